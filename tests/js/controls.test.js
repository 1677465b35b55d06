// The controls through the JS SDK: a temporary chat, the memory switch, notices and receipts, and attacks on them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createAssistant, userSays, waitForMemory } from "./lib/chat.js";
import { alice, bob } from "./lib/server.js";

async function everything(client, user) {
  const items = [];
  for (;;) {
    const { items: page } = await client.store.searchItems(["memory", user], { limit: 100, offset: items.length });
    items.push(...page);
    if (page.length < 100) return items.map((i) => JSON.stringify([i.namespace, i.key, i.value])).sort();
  }
}

async function run(client, assistantId, threadId, text, extra = {}) {
  const { context, ...state } = extra;
  const values = await client.runs.wait(threadId, assistantId, { input: { ...userSays(text), ...state }, context });
  if (values.memory_write) await waitForMemory(client, threadId);
  return values;
}

test("a temporary chat, and a paused memory, leave no trace; notices and receipts are the owner's", async () => {
  const { client, user } = alice;
  const { assistant_id } = await createAssistant(client, "collection");
  const taught = await client.threads.create();
  await run(client, assistant_id, taught.thread_id, "I live in Lima.");

  const notices = await client.store.getItem(["memory", user, "changes"], taught.thread_id);
  assert.deepEqual(notices.value.changes.map((c) => c.change), ["remembered"], JSON.stringify(notices.value));

  const before = await everything(client, user);
  const temporary = await client.threads.create();
  const values = await run(client, assistant_id, temporary.thread_id, "I like rowing. Where do I live?", { memory_use: "off" });
  assert.doesNotMatch(values.recalled_memory, /Lima/, "a temporary chat read memory");
  assert.deepEqual(await everything(client, user), before, "a temporary chat wrote something");

  const lima = (await client.store.searchItems(["memory", user, "collection"], { limit: 100 })).items.find((i) =>
    i.value.content.includes("Lima"),
  );
  await client.store.putItem(["memory", user, "controls"], "switch", { paused: true, use_while_paused: true });
  const paused = await client.threads.create();
  let used;
  try {
    used = await run(client, assistant_id, paused.thread_id, "I like fencing. Where do I live?");
  } finally {
    await client.store.putItem(["memory", user, "controls"], "switch", { paused: false }); // other files write too
  }
  assert.match(used.recalled_memory, /Lima/, "the user chose to keep using memory while paused");
  const receipt = used.messages.at(-1).additional_kwargs.memory_used;
  assert.ok(receipt.memories.some((m) => m.key === lima.key), JSON.stringify(receipt));
  const after = (await everything(client, user)).filter((i) => !i.includes('"controls"'));
  assert.deepEqual(after, before.filter((i) => !i.includes('"controls"')), "a paused memory wrote something");

  // Bob reads no receipt and no notice of alice's, and changes none of her settings.
  await assert.rejects(bob.client.threads.getState(paused.thread_id), /404|not found/i);
  await assert.rejects(bob.client.store.getItem(["memory", user, "changes"], taught.thread_id), /403|404|forbidden|not found/i);
  await assert.rejects(
    bob.client.store.putItem(["memory", user, "controls"], "switch", { paused: true }),
    /403|forbidden/i,
  );
  await assert.rejects(
    bob.client.store.putItem(["memory", user, "never_keep"], "x", { content: "my home" }),
    /403|forbidden/i,
  );
});

test("a never-keep rule put through the store leaves out what it covers, by meaning", async () => {
  const { client, user } = alice;
  const { assistant_id } = await createAssistant(client, "collection");
  await client.store.putItem(["memory", user, "never_keep"], "js-health", { content: "anything about my health" });
  try {
    const thread = await client.threads.create();
    await run(client, assistant_id, thread.thread_id, "I enjoy physiotherapy for my sore shoulder.");
    const kept = JSON.stringify(await everything(client, user));
    assert.doesNotMatch(kept, /shoulder/, "a fact or an exchange under the rule was kept");
    const counts = await client.store.getItem(["memory", user, "health"], "left_out");
    assert.equal(counts.value["anything about my health"] >= 1, true, JSON.stringify(counts));
  } finally {
    await client.store.deleteItem(["memory", user, "never_keep"], "js-health"); // other files talk of health
  }
});
