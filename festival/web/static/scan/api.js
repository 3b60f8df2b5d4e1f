// The device API (docs/checkin.md) with the device token. No cookies are sent: the token is the
// device's only authority (and a signed-in session in the same browser would ask for a CSRF token).

export const SCAN_TIMEOUT_MS = 2500;
export const SYNC_TIMEOUT_MS = 8000;
export const BATCH_TIMEOUT_MS = 15000;
export const BATCH_SIZE = 500;

// The server could not be reached, took too long or failed (5xx, 429): decide offline.
export class Unreachable extends Error {}
// 401: no such device, or it was revoked.
export class NotPaired extends Error {}
// Another 4xx: the server refused the request itself (kept out of the retry loop).
export class Refused extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `refused with ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function call(token, method, path, body, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "omit",
      cache: "no-store",
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        "accept-language": document.documentElement.lang || "en", // ticket type names in the page's language
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    const answer = await response.json().catch(() => null);
    if (response.status === 401) throw new NotPaired((answer && answer.code) || "not_authenticated");
    if (response.status === 429 || response.status >= 500) throw new Unreachable(`server answered ${response.status}`);
    if (!response.ok) throw new Refused(response.status, answer);
    if (answer === null) throw new Unreachable("the answer was not JSON");
    return answer;
  } catch (error) {
    if (error instanceof NotPaired || error instanceof Refused || error instanceof Unreachable) throw error;
    throw new Unreachable(error && error.name === "AbortError" ? "timed out" : String(error));
  } finally {
    clearTimeout(timer);
  }
}

export function fetchPackage(token) {
  return call(token, "GET", "/api/v1/scan/sync", undefined, SYNC_TIMEOUT_MS);
}

export function sendScan(token, scan) {
  return call(token, "POST", "/api/v1/scan", scan, SCAN_TIMEOUT_MS);
}

export function sendBatch(token, scans) {
  return call(token, "POST", "/api/v1/scan/batch", { scans }, BATCH_TIMEOUT_MS);
}
