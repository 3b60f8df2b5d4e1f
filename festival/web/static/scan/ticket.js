// A ticket's QR payload and the offline decision (docs/checkin.md): the same checks, in the same
// order and with the same result codes, as the server's ticketing/checkin.py, from the offline
// package alone, with two differences: another edition's ticket is refused before its signature is
// checked (the device holds its own edition's keys only), and unknown_ticket and unpaid cannot be
// told (unpaid tickets are among the package's revoked ids; the server decides again when the scan
// is uploaded). Pure functions but for WebCrypto, so a benchmark can import them too.

export const VERSION = 2;
export const PAYLOAD_CHARS = 140;
export const BODY_BYTES = 23;
export const SIGNATURE_BYTES = 64;
export const OK_RESULTS = new Set(["admitted", "exited"]);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PAYLOAD = /^[A-Z2-7]{140}$/;

// RFC 4648 base32 without padding; the bits past the last whole byte are dropped (as Python does).
export function base32Decode(text) {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

export function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

// The claim of a payload, unverified; null when it is not 140 base32 characters of a version 2 body.
export function readPayload(text) {
  const cleaned = String(text).replace(/\s+/g, "").toUpperCase(); // typed from the printed groups
  if (!PAYLOAD.test(cleaned)) return null;
  const raw = base32Decode(cleaned);
  const body = raw.subarray(0, BODY_BYTES);
  const view = new DataView(raw.buffer, raw.byteOffset, BODY_BYTES);
  if (view.getUint8(0) !== VERSION) return null;
  return {
    claim: {
      keyId: view.getUint16(1),
      ticketId: view.getUint32(3),
      editionId: view.getUint32(7),
      ticketTypeId: view.getUint32(11),
      validFrom: view.getUint32(15),
      validUntil: view.getUint32(19),
    },
    body,
    signature: raw.subarray(BODY_BYTES, BODY_BYTES + SIGNATURE_BYTES),
  };
}

// The package's public keys as WebCrypto keys, by key id (Ed25519 only).
export async function importKeys(keys) {
  const imported = new Map();
  for (const key of keys || []) {
    if (key.algorithm !== "Ed25519") continue;
    const raw = base64UrlDecode(key.public_key);
    imported.set(key.key_id, await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]));
  }
  return imported;
}

export function verifySignature(key, read) {
  return crypto.subtle.verify({ name: "Ed25519" }, key, read.signature, read.body);
}

// What this device knows of admissions: the package's, then its own scans since, oldest first.
// A map "list:ticket" -> {at, gate, inside}; `at` and `gate` are those of the first admission.
export function admissionsOf(pkg, ownScans) {
  const known = new Map();
  for (const entry of (pkg && pkg.admitted) || []) {
    known.set(`${entry.list}:${entry.ticket}`, { at: entry.at, gate: entry.gate, inside: entry.inside });
  }
  const ordered = [...ownScans].sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : 1));
  for (const scan of ordered) remember(known, scan);
  return known;
}

// One scan of this device (online or offline) into the map of admissions.
export function remember(known, scan) {
  if (scan.ticket == null || !OK_RESULTS.has(scan.result)) return;
  const key = `${scan.list}:${scan.ticket}`;
  const before = known.get(key);
  if (scan.result === "admitted") {
    known.set(key, { at: before ? before.at : scan.scanned_at, gate: before ? before.gate : scan.gate, inside: true });
  } else if (before) {
    known.set(key, { ...before, inside: false });
  }
}

// The package's revoked tickets as a set, made once per package (a large edition revokes thousands).
const revokedSets = new WeakMap();
function revokedIn(pkg) {
  let revoked = revokedSets.get(pkg);
  if (!revoked) {
    revoked = new Set(pkg.revoked || []);
    revokedSets.set(pkg, revoked);
  }
  return revoked;
}

function seconds(iso) {
  return iso ? Date.parse(iso) / 1000 : null;
}

// The window in which `list` admits a ticket of this claim, in Unix seconds [from, until): the
// signed window, narrowed to the slot's doors when the type has a slot and to the list's bounds.
function windowOf(pkg, list, claim) {
  const slot = pkg.slot_times && pkg.slot_times[String(claim.ticketTypeId)];
  let from = claim.validFrom;
  let until = claim.validUntil;
  if (slot) {
    from = Math.max(from, seconds(slot[0]) - 60 * (list.doors_open_min || 0));
    until = Math.min(until, seconds(slot[1]) + 60 * (list.doors_close_min || 0));
  }
  if (list.valid_from) from = Math.max(from, seconds(list.valid_from));
  if (list.valid_until) until = Math.min(until, seconds(list.valid_until));
  return [from, until];
}

// The offline decision of one scan. `keys` from importKeys, `known` from admissionsOf, `now` in ms.
// Returns {result, ok, ticket, ticketType, admittedAt, admittedGate}.
export async function decide({ pkg, keys, listId, direction, text, known, now }) {
  const read = readPayload(text);
  const outcome = (result, extra = {}) => ({
    result,
    ok: OK_RESULTS.has(result),
    ticket: read ? read.claim.ticketId : null,
    ticketType: read ? (pkg.ticket_types || {})[String(read.claim.ticketTypeId)] || "" : "",
    admittedAt: null,
    admittedGate: "",
    ...extra,
  });
  const list = (pkg.lists || []).find((l) => l.id === listId);
  if (!list) return outcome("wrong_list");
  if (!read) return outcome("unreadable");
  const claim = read.claim;
  // Before the key: the device holds its own edition's keys only (the server, holding every
  // edition's, checks the signature first).
  if (claim.editionId !== pkg.edition.id) return outcome("other_edition");
  const key = keys.get(claim.keyId);
  if (!key) return outcome("unknown_key");
  if (!(await verifySignature(key, read))) return outcome("bad_signature");
  if (!list.ticket_types.includes(claim.ticketTypeId)) return outcome("wrong_list");
  const admission = known.get(`${list.id}:${claim.ticketId}`);
  if (direction === "exit") {
    // Leaving is recorded at any time, also for a ticket refunded while its holder was inside.
    if (!list.exit_scans) return outcome("exit_not_allowed");
    if (!admission || !admission.inside) return outcome("not_inside");
    return outcome("exited");
  }
  // The package's revoked ids hold refunded, cancelled and unpaid tickets alike.
  if (revokedIn(pkg).has(claim.ticketId)) return outcome("revoked");
  const [from, until] = windowOf(pkg, list, claim);
  const at = now / 1000;
  if (at < from) return outcome("not_yet_valid");
  if (at >= until) return outcome("no_longer_valid");
  if (admission && (!list.reentry || (list.exit_scans && admission.inside))) {
    return outcome("already_admitted", { admittedAt: admission.at, admittedGate: admission.gate || "" });
  }
  return outcome("admitted");
}
