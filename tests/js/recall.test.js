// Long-term memory: what alice says in one thread, a new thread of hers remembers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createAssistant, lastReply, say, userSays, waitForMemory } from "./lib/chat.js";
import { alice, bob } from "./lib/server.js";

test("a fact taught in one thread is recalled in a new thread, and only by its owner", async () => {
  const { client } = alice;
  // Semantic and collection memory get other writes from other files; profile is this file's alone.
  const { assistant_id } = await createAssistant(client, "profile", { memory_delay_seconds: 0.5 });
  const first = await client.threads.create();
  await say(client, assistant_id, first.thread_id, "Hi! I'm Zora and I live in Quito.");
  await waitForMemory(client, first.thread_id);

  const second = await client.threads.create();
  const { reply } = await say(client, assistant_id, second.thread_id, "What is my name and where do I live?");
  assert.match(reply, /Zora/, `the new thread forgot the name: ${reply}`);
  assert.match(reply, /Quito/, `the new thread forgot the city: ${reply}`);
  const messages = (await client.threads.getState(second.thread_id)).values.messages;
  assert.deepEqual(messages.map((m) => m.type), ["human", "ai"], "the new thread started empty");

  // Bob's runs read bob's memory, even when they name alice as the user.
  const bobs = (await createAssistant(bob.client, "profile", { user_id: alice.user })).assistant_id;
  const question = userSays("What is my name and where do I live?");
  const asked = [
    await bob.client.runs.wait(null, bobs, { input: question }),
    await bob.client.runs.wait(null, bobs, { input: question, context: { user_id: alice.user } }),
    await bob.client.runs.wait(null, bobs, { input: question, config: { configurable: { user_id: alice.user } } }),
  ];
  for (const values of asked) assert.doesNotMatch(lastReply(values), /Zora|Quito/, "bob was told alice's memory");
});
