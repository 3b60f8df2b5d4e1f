// What the scanner keeps on the device, in IndexedDB: settings (the device token, the offline package,
// the chosen list and direction) and its own scans. A scan is "queued" until the server has it,
// then "sent"; sent scans are kept until a later offline package includes them. A queued scan keeps
// the token of the device that made it (uploaded with that token, also after pairing anew); one the
// server can never take (its device revoked or forgotten first, or refused as it is) becomes
// "unsent" and stays until the gate staff save it as a file and delete it.

const DB_NAME = "festival-scan";
const DB_VERSION = 1;
const SETTINGS = "settings";
const SCANS = "scans";

let opened = null;

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore(SETTINGS);
        db.createObjectStore(SCANS, { keyPath: "nonce" }).createIndex("state", "state");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

async function run(storeName, mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(storeName, mode);
    const result = work(transaction.objectStore(storeName));
    transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export function getSetting(key) {
  return run(SETTINGS, "readonly", (store) => store.get(key));
}

export function setSetting(key, value) {
  return run(SETTINGS, "readwrite", (store) => store.put(value, key));
}

export function putScan(scan) {
  return run(SCANS, "readwrite", (store) => store.put(scan));
}

export function putScans(scans) {
  return run(SCANS, "readwrite", (store) => {
    for (const scan of scans) store.put(scan);
  });
}

export async function scansIn(state) {
  const found = await run(SCANS, "readonly", (store) => store.index("state").getAll(state));
  return found.sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : 1));
}

export function allScans() {
  return run(SCANS, "readonly", (store) => store.getAll());
}

export function countQueued() {
  return countIn("queued");
}

export function countIn(state) {
  return run(SCANS, "readonly", (store) => store.index("state").count(state));
}

// Sent scans that an offline package fetched after `before` (ms) already holds.
export function dropSentBefore(before) {
  return run(SCANS, "readwrite", (store) => {
    store.index("state").openCursor("sent").onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      if (cursor.value.sent_at < before) cursor.delete();
      cursor.continue();
    };
  });
}

// Forget the device (revoked, or its user unpaired it): its settings, offline data and sent scans.
// Scans not uploaded yet are what the gate did: they stay, as "unsent", with `problem`.
export async function forgetDevice(problem) {
  await run(SETTINGS, "readwrite", (store) => store.clear());
  await run(SCANS, "readwrite", (store) => {
    store.openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      const scan = cursor.value;
      if (scan.state === "sent") cursor.delete();
      else if (scan.state === "queued") cursor.update({ ...scan, state: "unsent", problem });
      cursor.continue();
    };
  });
}

// The unsent scans, once saved as a file.
export function deleteUnsent() {
  return run(SCANS, "readwrite", (store) => {
    store.index("state").openCursor("unsent").onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      cursor.delete();
      cursor.continue();
    };
  });
}
