// The check-in dashboard, live: every 5 seconds the page reads its numbers from the JSON API
// (GET /api/v1/editions/{edition}/checkin/stats) and writes them into the tables and the chart in
// place. Without this script the page shows the same numbers as of its loading.
(function () {
  "use strict";
  const root = document.getElementById("checkin-dashboard");
  if (!root) return;
  const INTERVAL_MS = 5000;
  const url = root.dataset.statsUrl;
  const zone = root.dataset.timeZone;
  const labels = JSON.parse(root.dataset.labels || "{}");
  const height = Number(root.dataset.height);
  const barTitle = root.dataset.barTitle;
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });

  function parts(date) {
    const out = {};
    format.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  // As the server writes them (ticketing/checkin_view.py: clock): the time today, else date and time.
  function clock(iso, now) {
    if (!iso) return "";
    const at = parts(new Date(iso));
    const today = parts(now);
    if (at.year === today.year && at.month === today.month && at.day === today.day) {
      return at.hour + ":" + at.minute + ":" + at.second;
    }
    return at.year + "-" + at.month + "-" + at.day + " " + at.hour + ":" + at.minute;
  }

  function reason(code) { return labels[code] || code; }

  function cell(tag, text, attrs) {
    const element = document.createElement(tag);
    element.textContent = text;
    Object.keys(attrs || {}).forEach(function (name) { element.setAttribute(name, attrs[name]); });
    return element;
  }

  function set(selector, text, scope) {
    (scope || root).querySelectorAll(selector).forEach(function (element) { element.textContent = text; });
  }

  function progress(max, value) {
    const bar = cell("progress", value + " / " + max);
    bar.max = Math.max(max, 1);
    bar.value = value;
    return bar;
  }

  function updateLists(lists) {
    lists.forEach(function (list) {
      const body = root.querySelector('tbody[data-list="' + list.id + '"]');
      if (!body) return; // a list made since the page loaded: it shows on the next load
      const row = body.querySelector(".list-row");
      set('[data-field="admitted"]', String(list.admitted), row);
      set('[data-field="capacity"]', String(list.capacity), row);
      set('[data-field="inside"]', list.inside === null ? "—" : String(list.inside), row);
      set('[data-field="scans"]', String(list.gates.reduce(function (n, g) { return n + g.scans; }, 0)), row);
      const bar = row.querySelector('[data-field="progress"]');
      bar.max = Math.max(list.capacity, list.admitted, 1);
      bar.value = list.admitted;
      bar.textContent = list.admitted + " / " + list.capacity;
      body.querySelectorAll(".gate-row").forEach(function (old) { old.remove(); });
      list.gates.forEach(function (gate) {
        const tr = cell("tr", "", { class: "gate-row", "data-gate": gate.gate });
        tr.append(
          cell("th", gate.gate || root.dataset.textNoGate, { scope: "row" }),
          cell("td", String(gate.admitted), { "data-field": "admitted" }),
          cell("td", ""),
          cell("td", ""),
          cell("td", ""),
          cell("td", String(gate.scans), { "data-field": "scans" })
        );
        tr.children[3].append(progress(list.admitted, gate.admitted));
        body.append(tr);
      });
    });
  }

  function updateChart(minutes) {
    const peak = minutes.reduce(function (n, m) { return Math.max(n, m.scans); }, 0);
    const scale = height / Math.max(peak, 1);
    const bars = root.querySelectorAll(".scan-chart .bar");
    minutes.forEach(function (minute, i) {
      const bar = bars[i];
      if (!bar) return;
      const at = parts(new Date(minute.start));
      const label = at.hour + ":" + at.minute;
      const scansHeight = Math.round(minute.scans * scale * 10) / 10;
      const admittedHeight = Math.round(minute.admitted * scale * 10) / 10;
      const scansRect = bar.querySelector(".bar-scans");
      const admittedRect = bar.querySelector(".bar-admitted");
      scansRect.setAttribute("y", String(Math.round((height - scansHeight) * 10) / 10));
      scansRect.setAttribute("height", String(scansHeight));
      admittedRect.setAttribute("y", String(Math.round((height - admittedHeight) * 10) / 10));
      admittedRect.setAttribute("height", String(admittedHeight));
      bar.querySelector("title").textContent = barTitle
        .replace("{time}", label).replace("{scans}", minute.scans).replace("{admitted}", minute.admitted);
      bar.querySelector(".tick").textContent = label;
    });
    set('[data-stat="peak"]', String(peak));
  }

  function fillTable(name, rows) {
    const body = root.querySelector('[data-table="' + name + '"] tbody');
    body.replaceChildren.apply(body, rows);
    root.querySelector('[data-empty="' + name + '"]').hidden = rows.length > 0;
  }

  function update(stats) {
    const now = new Date(stats.generated_at);
    root.querySelectorAll('[data-stat="generated_at"]').forEach(function (element) {
      element.textContent = clock(stats.generated_at, now);
      element.setAttribute("datetime", stats.generated_at);
    });
    ["scans", "admitted_scans", "refused_scans", "offline_scans", "conflicts"].forEach(function (key) {
      set('[data-stat="' + key + '"]', String(stats[key]));
    });
    root.querySelector("[data-conflict-box]").classList.toggle("has-conflicts", stats.conflicts > 0);
    updateLists(stats.lists);
    updateChart(stats.minutes);
    fillTable("refusals", stats.refusals.map(function (r) {
      const tr = cell("tr", "", { "data-result": r.result });
      tr.append(cell("th", reason(r.result), { scope: "row" }), cell("td", String(r.count)), cell("td", String(r.recent)));
      return tr;
    }));
    fillTable("conflicts", stats.latest_conflicts.map(function (c) {
      const tr = cell("tr", "", { "data-scan": String(c.scan) });
      const time = cell("time", clock(c.scanned_at, now), { datetime: c.scanned_at });
      const first = cell("td", "");
      first.append(time);
      tr.append(
        first, cell("td", c.gate), cell("td", c.device), cell("td", c.list),
        cell("td", c.ticket === null ? "" : String(c.ticket)), cell("td", reason(c.result)),
        cell("td", c.local_result ? reason(c.local_result) : root.dataset.textOnline)
      );
      return tr;
    }));
    stats.devices.forEach(function (device) {
      const row = document.querySelector('tr[data-device="' + device.id + '"]');
      if (!row) return;
      set('[data-field="last_scan_at"]', clock(device.last_scan_at, now) || root.dataset.textNever, row);
      set('[data-field="scans"]', String(device.scans), row);
    });
  }

  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      update(await response.json());
      root.querySelector("[data-live-error]").hidden = true;
    } catch (error) {
      root.querySelector("[data-live-error]").hidden = false;
    }
  }

  root.querySelector("[data-live-state]").hidden = false;
  window.setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
