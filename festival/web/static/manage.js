// Organisers' timetable: drag a slot to another venue or time to move it. The edit form behind
// every slot's link does the same without a mouse; this only saves the trip.
(function () {
  "use strict";
  const ROW_MINUTES = 15;
  const DAY_START_MINUTES = 6 * 60;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)festival_csrf=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function localTime(date, minutes) {
    const [y, m, d] = date.split("-").map(Number);
    const at = new Date(Date.UTC(y, m - 1, d) + (DAY_START_MINUTES + minutes) * 60000);
    return at.toISOString().slice(0, 16);
  }

  function dropTarget(grid, event) {
    const venues = JSON.parse(grid.dataset.venues);
    const head = grid.querySelector(".venue-head");
    const hour = grid.querySelector(".hour");
    const box = grid.getBoundingClientRect();
    const x = event.clientX - box.left - hour.getBoundingClientRect().width;
    const y = event.clientY - box.top - head.getBoundingClientRect().height;
    const column = Math.floor(x / ((box.width - hour.getBoundingClientRect().width) / venues.length));
    const rowHeight = (box.height - head.getBoundingClientRect().height) / (24 * 60 / ROW_MINUTES);
    const row = Math.floor(y / rowHeight);
    if (column < 0 || column >= venues.length || row < 0) return null;
    return { venue: venues[column], minutes: row * ROW_MINUTES };
  }

  let dragged = null;
  document.querySelectorAll(".timetable .slot").forEach(function (slot) {
    slot.setAttribute("draggable", "true");
    slot.addEventListener("dragstart", function (event) {
      dragged = slot;
      event.dataTransfer.setData("text/plain", slot.dataset.id);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".timetable").forEach(function (grid) {
    grid.addEventListener("dragover", function (event) { event.preventDefault(); });
    grid.addEventListener("drop", async function (event) {
      event.preventDefault();
      const target = dropTarget(grid, event);
      if (!dragged || !target) return;
      const minutes = Number(dragged.dataset.minutes);
      const body = {
        venue: target.venue,
        start: localTime(grid.dataset.date, target.minutes),
        end: localTime(grid.dataset.date, target.minutes + minutes),
      };
      const response = await fetch(grid.dataset.api + dragged.dataset.id, {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        window.location.hash = "slot-" + dragged.dataset.id;
        window.location.reload();
      } else {
        const problem = await response.json().catch(function () { return {}; });
        window.alert(problem.detail || response.statusText);
      }
    });
  });
})();
