// Joining a run's stream, and cancelling a pending memory write of one's own (never another user's).
import assert from "node:assert/strict";
import { test } from "node:test";

import { createAssistant, lastReply, queuedWrite, say, userSays } from "./lib/chat.js";
import { drain, refused, refusedStream } from "./lib/refused.js";
import { alice, bob } from "./lib/server.js";

const { client } = alice;

test("joinStream follows a chat run from before it starts to its end", async () => {
  const { assistant_id } = await createAssistant(client, "collection", { write_mode: "hot_path" });
  const thread = await client.threads.create();
  const run = await client.runs.create(thread.thread_id, assistant_id, {
    input: userSays("I like kayaking."),
    afterSeconds: 1, // still pending when we join
    streamMode: ["values"],
  });
  await refusedStream(bob.client.runs.joinStream(thread.thread_id, run.run_id), "bob joining alice's run");

  const parts = await drain(client.runs.joinStream(thread.thread_id, run.run_id, { streamMode: "values" }));
  const values = parts.filter((p) => p.event === "values");
  assert.ok(values.length, `joinStream gave no values: ${JSON.stringify(parts.map((p) => p.event))}`);
  lastReply(values.at(-1).data, "the joined run");
  assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "success");
});

test("a delayed memory write can be joined as a stream until it is written", async () => {
  const { assistant_id } = await createAssistant(client, "semantic", { memory_delay_seconds: 1 });
  const thread = await client.threads.create();
  await say(client, assistant_id, thread.thread_id, "I like canoeing.");
  const write = await queuedWrite(client, thread.thread_id);
  assert.equal((await client.runs.get(write.thread_id, write.run_id)).status, "pending", "the write waits 1 s");

  const parts = await drain(client.runs.joinStream(write.thread_id, write.run_id));
  assert.ok(!parts.some((p) => p.event === "error"), `the write failed: ${JSON.stringify(parts.at(-1))}`);
  assert.equal((await client.runs.get(write.thread_id, write.run_id)).status, "success");
  const stored = await client.store.searchItems(["memory", alice.user, "semantic"]);
  assert.match(JSON.stringify(stored.items), /canoeing/, "the joined write stored the fact");
});

test("the owner cancels a pending memory write; another user cannot", async () => {
  const { assistant_id } = await createAssistant(client, "collection", { memory_delay_seconds: 30 });
  const thread = await client.threads.create();
  await say(client, assistant_id, thread.thread_id, "I like fencing.");
  const { thread_id, run_id } = await queuedWrite(client, thread.thread_id);
  assert.equal((await client.runs.get(thread_id, run_id)).status, "pending");

  await refused(bob.client.runs.cancel(thread_id, run_id), "bob cancelling alice's memory write");
  await refused(bob.client.runs.get(thread_id, run_id), "bob reading alice's memory write");
  await refused(bob.client.runs.join(thread_id, run_id), "bob joining alice's memory write");
  await refusedStream(bob.client.runs.joinStream(thread_id, run_id), "bob joining the stream of alice's memory write");
  await refused(bob.client.runs.cancelMany({ threadId: thread_id, runIds: [run_id] }), "bob cancelling it by ids");
  await refused(bob.client.runs.cancelMany({ status: "pending" }), "bob cancelling every pending run", [404]);
  await refused(bob.client.runs.delete(thread_id, run_id), "bob deleting alice's memory write");
  assert.equal((await client.runs.get(thread_id, run_id)).status, "pending", "bob's cancels changed nothing");

  await client.runs.cancel(thread_id, run_id);
  const status = (await client.runs.get(thread_id, run_id)).status;
  assert.ok(["interrupted", "cancelled"].includes(status), `after cancel the write is ${status}`);
});
