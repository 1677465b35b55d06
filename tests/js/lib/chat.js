// Talking to the chatbot through the SDK: assistants, messages, replies, memory writes.
import assert from "node:assert/strict";

export const GRAPH = "chatbot";

/** A new chatbot assistant of the caller's for `memoryType`; `settings` go into its context. */
export async function createAssistant(client, memoryType, settings = {}) {
  const context = { memory_type: memoryType, memory_delay_seconds: 0, ...settings };
  return client.assistants.create({ graphId: GRAPH, context, name: `js-${memoryType}` });
}

/** The memory types the server offers, read from the chatbot's configuration schema as Studio reads it. */
export async function memoryTypes(client) {
  const probe = await client.assistants.create({ graphId: GRAPH, name: "js-schema-probe" });
  try {
    const schemas = await client.assistants.getSchemas(probe.assistant_id);
    const offered = schemas.context_schema?.properties?.memory_type?.enum;
    assert.ok(Array.isArray(offered) && offered.length, `no memory_type choices in ${JSON.stringify(schemas.context_schema)}`);
    return offered;
  } finally {
    await client.assistants.delete(probe.assistant_id);
  }
}

export function userSays(text) {
  return { messages: [{ role: "user", content: text }] };
}

/** The text of the last message of a run's values, which must be the bot's. */
export function lastReply(values, what = "the run") {
  const messages = values?.messages;
  assert.ok(Array.isArray(messages) && messages.length, `${what} returned no messages: ${JSON.stringify(values)}`);
  const last = messages.at(-1);
  assert.equal(last.type, "ai", `${what} ended on a ${last.type} message, not the bot's reply`);
  assert.ok(typeof last.content === "string" && last.content, `${what} replied with no text`);
  return last.content;
}

/** Send `text` on a thread, streaming with "messages-tuple"; returns the reply and its token chunks. */
export async function say(client, assistantId, threadId, text) {
  const chunks = [];
  const stream = client.runs.stream(threadId, assistantId, { input: userSays(text), streamMode: "messages-tuple" });
  for await (const { event, data } of stream) {
    if (event === "error") assert.fail(`the run failed: ${JSON.stringify(data)}`);
    if (event !== "messages") continue;
    const [chunk, metadata] = data;
    if (metadata?.langgraph_node === "respond" && chunk.type?.toLowerCase().startsWith("ai")) {
      chunks.push(chunk.content);
    }
  }
  return { reply: chunks.join(""), chunks };
}

/** The memory write queued by the last run on a chat thread: {thread_id, run_id} of a memory-writer run. */
export async function queuedWrite(client, chatThreadId) {
  const state = await client.threads.getState(chatThreadId);
  const queued = state.values?.memory_write;
  assert.ok(queued?.thread_id && queued?.run_id, `no memory write queued on ${chatThreadId}: ${JSON.stringify(state.values)}`);
  return queued;
}

/** Wait for the memory write queued from a chat thread, by joining its memory-writer run. */
export async function waitForMemory(client, chatThreadId) {
  const { thread_id, run_id } = await queuedWrite(client, chatThreadId);
  await client.runs.join(thread_id, run_id);
  const run = await client.runs.get(thread_id, run_id);
  assert.equal(run.status, "success", `memory write ${run_id} ended as ${run.status}`);
}
