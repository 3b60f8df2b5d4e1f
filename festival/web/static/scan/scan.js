// The scanner page (/scan): pairing, the offline package, scans online with an automatic fall back to
// offline decisions, the queue of offline scans and its upload, and what the gate staff see and hear.
// docs/checkin.md is the contract with the server; ticket.js decides offline.

import * as api from "./api.js";
import { startCamera } from "./camera.js";
import * as store from "./store.js";
import { admissionsOf, decide, importKeys, readPayload, remember } from "./ticket.js";

const TEXTS = JSON.parse(document.getElementById("scan-texts").textContent);
const SYNC_EVERY_MS = 60_000;
const RETRY_EVERY_MS = 10_000;
const SAME_CODE_PAUSE_MS = 3_000;
const RESULT_SHOWN_MS = 8_000;
const CLOCK_TRUSTED_MS = 2_000;
// A ticket is 140 characters; of anything longer the first 1000 are enough to record, and keep a
// batch of 500 offline scans well under the server's 1 MiB limit of a request body.
const MAX_PAYLOAD_CHARS = 1000;
const TOKEN = /^fdt_[A-Za-z0-9_-]{8,200}$/;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  pkg: null,
  fetchedAt: null,
  keys: new Map(),
  known: new Map(),
  listId: null,
  direction: "entry",
  online: navigator.onLine,
  clockOffsetMs: 0,
  camera: null,
  busy: false,
  lastSeen: { text: "", at: 0 },
  refreshing: null,
  refreshTimer: null,
  resultTimer: null,
  audio: null,
};

// The server's clock when the device's is clearly off (the offline package carries server_time).
function now() {
  return Date.now() + state.clockOffsetMs;
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function localTime(iso) {
  const options = { dateStyle: "short", timeStyle: "short" };
  if (state.pkg && state.pkg.edition && state.pkg.edition.time_zone) options.timeZone = state.pkg.edition.time_zone;
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang, options).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

// --- what the page shows ------------------------------------------------------------------------

function setOnline(online) {
  state.online = online;
  const pill = $("network");
  pill.dataset.state = online ? "online" : "offline";
  pill.textContent = online ? TEXTS.online : TEXTS.offline;
}

async function renderQueued() {
  const count = state.token ? await store.countQueued() : 0;
  const output = $("queued");
  output.dataset.count = String(count);
  output.textContent = String(count);
}

function currentList() {
  if (!state.pkg) return null;
  return state.pkg.lists.find((list) => list.id === state.listId) || null;
}

function renderDevice() {
  const pkg = state.pkg;
  $("device-name").textContent = pkg ? pkg.device.name : "–";
  $("device-gate").textContent = pkg && pkg.device.gate ? `(${pkg.device.gate})` : "";
  const select = $("list-choice");
  select.replaceChildren(
    ...(pkg ? pkg.lists : []).map((list) => new Option(list.name, String(list.id), false, list.id === state.listId)),
  );
  select.disabled = !pkg || pkg.lists.length < 2;
  const list = currentList();
  $("direction").hidden = !(list && list.exit_scans);
  for (const radio of document.querySelectorAll('input[name="direction"]')) radio.checked = radio.value === state.direction;
  $("sync-state").textContent = state.fetchedAt
    ? format(TEXTS.synced, { time: localTime(new Date(state.fetchedAt).toISOString()) })
    : TEXTS.never_synced;
}

function showResult(outcome) {
  const panel = $("result");
  panel.dataset.result = outcome.result;
  panel.dataset.state = outcome.ok ? "ok" : "refused";
  $("result-reason").textContent = TEXTS.results[outcome.result] || outcome.reason || TEXTS.results.refused;
  $("result-type").textContent = outcome.ticketType || "";
  let detail = "";
  if (outcome.result === "already_admitted" && outcome.admittedAt) {
    const template = outcome.admittedGate ? TEXTS.admitted_before : TEXTS.admitted_before_no_gate;
    detail = format(template, { time: localTime(outcome.admittedAt), gate: outcome.admittedGate });
  }
  $("result-detail").textContent = detail;
  $("result-offline").hidden = !outcome.offline;
  clearTimeout(state.resultTimer);
  state.resultTimer = setTimeout(showReady, RESULT_SHOWN_MS);
}

function showReady() {
  const panel = $("result");
  panel.dataset.result = "";
  panel.dataset.state = "idle";
  $("result-reason").textContent = TEXTS.ready;
  $("result-type").textContent = "";
  $("result-detail").textContent = "";
  $("result-offline").hidden = true;
}

function unlockAudio() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!state.audio && AudioContext) state.audio = new AudioContext();
  if (state.audio && state.audio.state === "suspended") state.audio.resume().catch(() => {});
}

// One short high beep for yes, two low buzzes for no; the same pattern on the vibration motor.
function feedback(ok) {
  if (navigator.vibrate) navigator.vibrate(ok ? 120 : [200, 100, 200]);
  const audio = state.audio;
  if (!audio || audio.state !== "running") return;
  const tones = ok ? [[1046, 0, 0.15]] : [[196, 0, 0.18], [196, 0.26, 0.18]];
  for (const [frequency, start, length] of tones) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = ok ? "sine" : "square";
    oscillator.frequency.value = frequency;
    gain.gain.value = 0.25;
    oscillator.connect(gain).connect(audio.destination);
    const at = audio.currentTime + start;
    oscillator.start(at);
    oscillator.stop(at + length);
  }
}

function showPairing(message) {
  $("scanner").hidden = true;
  $("pairing").hidden = false;
  const error = $("pair-error");
  error.textContent = message || "";
  error.hidden = !message;
}

function showScanner() {
  $("pairing").hidden = true;
  $("scanner").hidden = false;
}

// --- the offline package and the queue ------------------------------------------------------------

async function rebuildKnown() {
  const own = (await store.allScans()).filter((scan) => scan.state !== "unsent");
  state.known = admissionsOf(state.pkg, own);
}

async function adopt(saved) {
  state.pkg = saved.pkg;
  state.fetchedAt = saved.fetchedAt;
  state.clockOffsetMs = saved.clockOffsetMs || 0;
  state.keys = await importKeys(saved.pkg.keys);
  if (!currentList()) state.listId = saved.pkg.lists.length ? saved.pkg.lists[0].id : null;
  await rebuildKnown();
  renderDevice();
}

function scanIn(scan) {
  const { payload, list, nonce, scanned_at, direction, gate } = scan;
  return { payload, list, nonce, scanned_at, direction, gate };
}

// Queued scans to the server, oldest first, 500 a call, each with the token of the device that made
// it. Throws api.Unreachable, or api.NotPaired when this device's own token is refused; scans of an
// earlier pairing whose device was revoked since become unsent.
async function uploadQueue() {
  const byToken = new Map();
  for (const scan of await store.scansIn("queued")) {
    const token = scan.token || state.token;
    if (!byToken.has(token)) byToken.set(token, []);
    byToken.get(token).push(scan);
  }
  let uploaded = 0;
  let conflicts = 0;
  for (const [token, scans] of byToken) {
    try {
      const done = await uploadScans(token, scans);
      uploaded += done.uploaded;
      conflicts += done.conflicts;
    } catch (error) {
      if (!(error instanceof api.NotPaired) || token === state.token) throw error;
      await store.putScans(scans.map((scan) => ({ ...scan, state: "unsent", problem: TEXTS.unsent_revoked })));
    }
  }
  if (uploaded) {
    let text = format(TEXTS.uploaded, { count: uploaded });
    if (conflicts) text += "; " + format(TEXTS.conflicts, { count: conflicts });
    $("upload-state").textContent = text;
  }
}

async function uploadScans(token, scans) {
  let queued = scans;
  let uploaded = 0;
  let conflicts = 0;
  while (queued.length) {
    const chunk = queued.slice(0, api.BATCH_SIZE);
    queued = queued.slice(api.BATCH_SIZE);
    let answer;
    try {
      answer = await api.sendBatch(token, chunk.map((scan) => ({ ...scanIn(scan), offline: true, local_result: scan.local_result })));
    } catch (error) {
      if (!(error instanceof api.Refused)) throw error;
      // The server will never take these as they are: keep them apart rather than block the queue.
      await store.putScans(chunk.map((scan) => ({ ...scan, state: "unsent", problem: error.message })));
      continue;
    }
    const sentAt = Date.now();
    const sent = chunk.map((scan, index) => {
      const result = answer.results[index] || {};
      if (result.conflict) conflicts += 1;
      return { ...scan, state: "sent", sent_at: sentAt, result: result.result || scan.result, conflict: !!result.conflict };
    });
    await store.putScans(sent);
    uploaded += sent.length;
  }
  return { uploaded, conflicts };
}

// Scans the server can never take, kept on the device: how many, and a file to hand to an organiser.
async function renderUnsent() {
  const count = await store.countIn("unsent");
  $("unsent").hidden = count === 0;
  $("unsent").dataset.count = String(count);
  $("unsent-text").textContent = format(TEXTS.unsent, { count });
}

async function saveUnsent() {
  const scans = (await store.scansIn("unsent")).map(({ token, ...scan }) => scan); // never the token
  const file = { kind: "festival-unsent-scans", saved_at: new Date().toISOString(), scans };
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
  link.download = `unsent-scans-${file.saved_at.slice(0, 19).replaceAll(":", "-")}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  $("unsent-delete").hidden = false;
}

async function downloadPackage() {
  const started = Date.now();
  const pkg = await api.fetchPackage(state.token);
  const received = Date.now();
  const offset = Date.parse(pkg.server_time) - (started + received) / 2;
  const saved = { pkg, fetchedAt: received, clockOffsetMs: Math.abs(offset) > CLOCK_TRUSTED_MS ? offset : 0 };
  await store.setSetting("package", saved);
  // Scans the server had before this package was asked for are in its `admitted` now.
  await store.dropSentBefore(started);
  await adopt(saved);
  document.body.dataset.synced = String(received);
}

// Upload the queue, then fetch the offline package: online when both work, offline when not.
function refresh() {
  if (!state.token) return Promise.resolve();
  if (state.refreshing) return state.refreshing;
  clearTimeout(state.refreshTimer);
  state.refreshing = (async () => {
    try {
      await uploadQueue();
      await downloadPackage();
      setOnline(true);
    } catch (error) {
      if (error instanceof api.NotPaired) {
        await unpair(TEXTS.token_refused);
        return;
      }
      setOnline(false);
    } finally {
      state.refreshing = null;
      await renderQueued();
      await renderUnsent();
      scheduleRefresh();
    }
  })();
  return state.refreshing;
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  if (state.token) state.refreshTimer = setTimeout(refresh, state.online ? SYNC_EVERY_MS : RETRY_EVERY_MS);
}

// --- a scan -------------------------------------------------------------------------------------

async function decideOffline(scan) {
  if (!state.pkg) return { result: "no_data", ok: false, ticketType: "" };
  return decide({
    pkg: state.pkg,
    keys: state.keys,
    listId: scan.list,
    direction: scan.direction,
    text: scan.payload,
    known: state.known,
    now: Date.parse(scan.scanned_at),
  });
}

async function handle(text) {
  const list = currentList();
  if (!list) {
    showResult({ result: state.pkg ? "no_list" : "no_data", ok: false });
    feedback(false);
    return;
  }
  state.busy = true;
  try {
    const payload = String(text).trim().slice(0, MAX_PAYLOAD_CHARS);
    const read = readPayload(payload);
    const scan = {
      nonce: crypto.randomUUID(),
      payload,
      list: list.id,
      scanned_at: new Date(now()).toISOString(),
      direction: list.exit_scans ? state.direction : "entry",
      gate: state.pkg.device.gate || "",
      ticket: read ? read.claim.ticketId : null,
    };
    let outcome = null;
    if (state.online) {
      try {
        const answer = await api.sendScan(state.token, scanIn(scan));
        Object.assign(scan, { offline: false, local_result: "", state: "sent", sent_at: Date.now(), result: answer.result });
        if (answer.ticket != null) scan.ticket = answer.ticket;
        outcome = {
          result: answer.result,
          ok: answer.ok,
          reason: answer.reason,
          ticketType: answer.ticket_type,
          admittedAt: answer.admitted_at,
          admittedGate: answer.admitted_gate,
          offline: false,
        };
      } catch (error) {
        if (error instanceof api.NotPaired) {
          await unpair(TEXTS.token_refused);
          return;
        }
        if (error instanceof api.Refused) {
          showResult({ result: "refused", ok: false, reason: error.message });
          feedback(false);
          return;
        }
        // Unreachable or too slow: this scan is decided here, and the server is retried in the background.
        setOnline(false);
        scheduleRefresh();
      }
    }
    if (!outcome) {
      const local = await decideOffline(scan);
      // Even "no_data" is what the gate did (turned the ticket away): the server records it so.
      Object.assign(scan, { offline: true, local_result: local.result, state: "queued", result: local.result, token: state.token });
      outcome = { ...local, offline: true };
    }
    await store.putScan(scan);
    remember(state.known, scan);
    showResult(outcome);
    feedback(outcome.ok);
    await renderQueued();
  } finally {
    state.busy = false;
  }
}

// A code the camera read: ignored while the same code stays in view, and for a moment after.
function onCameraText(text) {
  const seen = Date.now();
  const again = text === state.lastSeen.text && seen - state.lastSeen.at < SAME_CODE_PAUSE_MS;
  if (again || state.busy) {
    if (again) state.lastSeen.at = seen;
    return;
  }
  state.lastSeen = { text, at: seen };
  handle(text);
}

// --- controls -------------------------------------------------------------------------------------

function setCameraButton(running) {
  const button = $("camera-toggle");
  button.dataset.running = String(running);
  button.textContent = running ? TEXTS.stop_camera : TEXTS.start_camera;
}

function stopCamera() {
  if (state.camera) state.camera.stop();
  state.camera = null;
  state.lastSeen = { text: "", at: 0 };
  $("camera-video").hidden = true;
  setCameraButton(false);
}

async function toggleCamera() {
  unlockAudio();
  if (state.camera) {
    stopCamera();
    return;
  }
  const video = $("camera-video");
  const error = $("camera-error");
  error.hidden = true;
  try {
    video.hidden = false;
    state.camera = await startCamera(video, onCameraText);
    document.body.dataset.decoder = state.camera.decoder;
    setCameraButton(true);
  } catch (problem) {
    video.hidden = true;
    error.textContent = TEXTS.camera_failed;
    error.hidden = false;
    console.warn("camera:", problem);
  }
}

async function pairWith(token) {
  if (!TOKEN.test(token)) {
    showPairing(TEXTS.bad_token);
    return;
  }
  if (token !== state.token) {
    // Another device's data is not this one's; its queued scans are still uploaded, with its token.
    await store.setSetting("package", null);
    Object.assign(state, { pkg: null, fetchedAt: null, keys: new Map(), known: new Map() });
  }
  state.token = token;
  await store.setSetting("token", token);
  showScanner();
  renderDevice();
  await refresh();
}

async function unpair(message) {
  stopCamera();
  clearTimeout(state.refreshTimer);
  await store.forgetDevice(message ? TEXTS.unsent_revoked : TEXTS.unsent_forgotten);
  Object.assign(state, { token: null, pkg: null, fetchedAt: null, keys: new Map(), known: new Map(), listId: null });
  renderDevice();
  await renderQueued();
  await renderUnsent();
  showPairing(message);
}

// "Forget this device": its queue is uploaded first when the network lets it.
async function forget() {
  if (await store.countQueued()) await refresh();
  if (!state.token) return; // the device was refused meanwhile: already forgotten
  const queued = await store.countQueued();
  const question = queued ? format(TEXTS.forget_confirm_queued, { count: queued }) : TEXTS.forget_confirm;
  if (window.confirm(question)) await unpair("");
}

function pairingFromHash() {
  const match = location.hash.match(/^#pair=(.+)$/);
  if (!match) return null;
  // The token must not stay in the address bar, the history or a bookmark.
  history.replaceState(null, "", location.pathname + location.search);
  return decodeURIComponent(match[1]).trim();
}

function wire() {
  $("pair-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlockAudio();
    const field = $("pair-token");
    const token = field.value.trim();
    field.value = "";
    pairWith(token);
  });
  $("manual-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlockAudio();
    const field = $("manual-code");
    if (state.busy || !field.value.trim()) return;
    const text = field.value;
    field.value = "";
    handle(text);
  });
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("list-choice").addEventListener("change", async (event) => {
    state.listId = Number(event.target.value);
    await store.setSetting("list", state.listId);
    renderDevice();
  });
  for (const radio of document.querySelectorAll('input[name="direction"]')) {
    radio.addEventListener("change", async () => {
      if (!radio.checked) return;
      state.direction = radio.value;
      await store.setSetting("direction", state.direction);
    });
  }
  $("forget").addEventListener("click", forget);
  $("unsent-save").addEventListener("click", saveUnsent);
  $("unsent-delete").addEventListener("click", async () => {
    if (!window.confirm(TEXTS.unsent_delete_confirm)) return;
    await store.deleteUnsent();
    $("unsent-delete").hidden = true;
    await renderUnsent();
  });
  window.addEventListener("online", () => refresh());
  // A pairing link opened in the tab that already shows the scanner changes only the address's hash.
  window.addEventListener("hashchange", () => {
    const token = pairingFromHash();
    if (token) pairWith(token);
  });
  window.addEventListener("offline", () => setOnline(false));
}

// The page opens without the network once its worker controls it: body[data-offline-ready].
async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const controlled = () => {
    if (navigator.serviceWorker.controller) document.body.dataset.offlineReady = "true";
  };
  navigator.serviceWorker.addEventListener("controllerchange", controlled);
  controlled();
  try {
    await navigator.serviceWorker.register("/scan-sw.js", { scope: "/scan" });
  } catch (error) {
    console.warn("service worker:", error);
  }
}

async function start() {
  wire();
  registerWorker();
  setOnline(navigator.onLine);
  const paired = pairingFromHash();
  state.token = (await store.getSetting("token")) || null;
  state.listId = (await store.getSetting("list")) ?? null;
  state.direction = (await store.getSetting("direction")) || "entry";
  const saved = state.token ? await store.getSetting("package") : null;
  if (saved) await adopt(saved);
  await renderUnsent();
  if (paired) {
    await pairWith(paired);
  } else if (!state.token) {
    showPairing("");
  } else {
    showScanner();
    renderDevice();
    await renderQueued();
    if (navigator.onLine) await refresh();
    else scheduleRefresh();
  }
  document.body.dataset.ready = "true";
}

start();
