// Assertions on calls the server must refuse.
import assert from "node:assert/strict";

/** Await `call`; it must fail with an HTTP status in `statuses` (any 4xx by default). Returns the status. */
export async function refused(call, what, statuses = null) {
  let status;
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    status = error.status ?? protocolStatus(error);
    if (status === undefined) throw new Error(`${what}: failed without an HTTP status: ${error.stack}`);
  }
  assert.ok(status !== undefined, `${what}: the server allowed it`);
  const expected = statuses ?? "4xx";
  const ok = statuses ? statuses.includes(status) : status >= 400 && status < 500;
  assert.ok(ok, `${what}: expected ${expected}, got HTTP ${status}`);
  return status;
}

/** The HTTP status a streaming-protocol (v2) command was refused with: its message starts "404: ...". */
function protocolStatus(error) {
  const code = error.name === "ProtocolError" && error.message.match(/^(\d{3}):/);
  return code ? Number(code[1]) : undefined;
}

/**
 * Drain `stream`; it must be refused: an HTTP 4xx, or (joining a run, where the server has already
 * answered 200) an `error` event saying 403 or 404 and nothing else.
 */
export async function refusedStream(stream, what) {
  let parts;
  try {
    parts = await drain(stream);
  } catch (error) {
    await refused(Promise.reject(error), what);
    return;
  }
  const events = parts.map((p) => p.event);
  assert.deepEqual(events, ["error"], `${what}: the stream was not refused: ${JSON.stringify(parts)}`);
  assert.match(parts[0].data?.message ?? "", /^(403|404)\b/, `${what}: refused for another reason`);
}

/** Drain an async iterator (a stream), so that its request is made and its errors thrown. */
export async function drain(stream) {
  const parts = [];
  for await (const part of stream) parts.push(part);
  return parts;
}
