// The SDK's newer streaming protocol (`client.threads.stream`, commands over /threads/<id>/commands)
// is held to the same rules as the runs API.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { createAssistant, queuedWrite, say, userSays } from "./lib/chat.js";
import { refused } from "./lib/refused.js";
import { alice, bob } from "./lib/server.js";

const HELLO = userSays("I'm Mallory and I live in Evilville.");
const opened = [];
let aliceAssistant, aliceThread, bobAssistant;

/** A protocol session on `threadId` (closed after the tests). */
function session(client, threadId, assistantId) {
  const thread = client.threads.stream(threadId, { assistantId });
  opened.push(thread);
  return thread;
}

before(async () => {
  aliceAssistant = (await createAssistant(alice.client, "collection", { write_mode: "hot_path" })).assistant_id;
  aliceThread = (await alice.client.threads.create()).thread_id;
  bobAssistant = (await createAssistant(bob.client, "collection", { write_mode: "hot_path" })).assistant_id;
});

after(async () => {
  await Promise.all(opened.map((thread) => thread.close()));
});

test("a run started over the protocol replies, on a thread of the caller's", async () => {
  const threadId = randomUUID();
  const thread = session(alice.client, threadId, aliceAssistant);
  await thread.run.start({ input: userSays("I like owls.") });
  const output = await thread.output;
  assert.ok(output?.messages?.length >= 2, `no reply in the protocol's output: ${JSON.stringify(output)}`);
  assert.equal((await alice.client.threads.get(threadId)).metadata.owner, alice.user);
  await refused(bob.client.threads.get(threadId), "bob reading the thread alice's protocol run created");
});

test("over the protocol too, bob runs nothing on alice's threads nor the memory_writer graph", async () => {
  await refused(session(bob.client, aliceThread, bobAssistant).run.start({ input: HELLO }), "bob on alice's thread");
  await refused(
    session(bob.client, randomUUID(), "memory_writer").run.start({ input: HELLO }),
    "bob starting the memory_writer graph",
    [403],
  );

  const { assistant_id } = await createAssistant(alice.client, "semantic");
  const chat = (await alice.client.threads.create()).thread_id;
  await say(alice.client, assistant_id, chat, "I like lamas.");
  const writer = (await queuedWrite(alice.client, chat)).thread_id;
  await refused(session(bob.client, writer, bobAssistant).run.start({ input: HELLO }), "bob on alice's writer thread");
  await refused(session(alice.client, writer, aliceAssistant).run.start({ input: HELLO }), "alice on it", [403]);
  const messages = (await alice.client.threads.getState(aliceThread)).values?.messages ?? [];
  assert.equal(messages.length, 0, "bob's protocol run reached alice's thread");
});
