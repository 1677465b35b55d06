// Token streaming, a threadless run and a run that creates its thread, each replying in full.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";

import { createAssistant, lastReply, say, userSays } from "./lib/chat.js";
import { drain, refused } from "./lib/refused.js";
import { alice, bob } from "./lib/server.js";

const { client, user } = alice;
let assistantId;

before(async () => {
  // Hot path: these runs queue no background writes on alice's memory-writer threads.
  assistantId = (await createAssistant(client, "collection", { write_mode: "hot_path" })).assistant_id;
});

test("messages-tuple streams the reply token by token from the respond node", async () => {
  const thread = await client.threads.create();
  const { reply, chunks } = await say(client, assistantId, thread.thread_id, "I like rowing.");
  assert.ok(chunks.length > 2, `the reply came in ${chunks.length} chunk(s), not token by token`);
  const state = await client.threads.getState(thread.thread_id);
  assert.equal(reply, lastReply(state.values, "the streamed run"), "the chunks add up to the stored reply");
});

test("a threadless run replies in the body, on a thread of the caller's", async () => {
  let created;
  const values = await client.runs.wait(null, assistantId, {
    input: userSays("I like tea."),
    onCompletion: "keep", // keep its thread to look at (by default it is deleted)
    onRunCreated: (run) => (created = run),
  });
  lastReply(values, "runs.wait(null, ...)");
  assert.equal((await client.threads.get(created.thread_id)).metadata.owner, user, "the run's thread is the caller's");
  await refused(bob.client.threads.get(created.thread_id), "bob reading alice's threadless run's thread");

  const parts = await drain(client.runs.stream(null, assistantId, { input: userSays("Hi"), streamMode: "values" }));
  const events = parts.map((p) => p.event);
  assert.ok(!events.includes("error"), `runs.stream(null, ...) streamed an error: ${JSON.stringify(parts.at(-1))}`);
  lastReply(parts.filter((p) => p.event === "values").at(-1)?.data, "runs.stream(null, ...)");
});

test("an ifNotExists run on a new thread id replies in the body and the thread is the caller's", async () => {
  const threadId = randomUUID();
  const values = await client.runs.wait(threadId, assistantId, {
    input: userSays("I like chess."),
    ifNotExists: "create",
    metadata: { owner: bob.user }, // a client's owner is overwritten
  });
  lastReply(values, "runs.wait(newId, ..., ifNotExists: 'create')");
  const thread = await client.threads.get(threadId);
  assert.equal(thread.metadata.owner, user, "the created thread is owned by the caller");
  await refused(bob.client.threads.get(threadId), "bob reading the thread alice's run created");
  const listed = await client.threads.search({ limit: 100 });
  assert.ok(listed.some((t) => t.thread_id === threadId), "the connection still works and lists the thread");
});
