// Facts held for review: readable by their owner through the store API (never as memories), out of anyone
// else's reach, and decided through the memory page's API with the owner's token.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createAssistant, say, waitForMemory } from "./lib/chat.js";
import { refused } from "./lib/refused.js";
import { alice, bob, url } from "./lib/server.js";

test("a misread fact waits for review with the user's words, and only its owner decides it", async () => {
  const { client, user, token } = alice;
  const { assistant_id } = await createAssistant(client, "collection", { memory_delay_seconds: 0.5 });
  const thread = await client.threads.create();
  await say(client, assistant_id, thread.thread_id, "My sister lives in Boston.");
  await waitForMemory(client, thread.thread_id);

  const review = ["memory", user, "review"];
  const { items } = await client.store.searchItems(review, { limit: 50 });
  const held = items.find((i) => i.value.fact === "The user lives in Boston.");
  assert.ok(held, `nothing held: ${JSON.stringify(items)}`);
  assert.match(held.value.reason, /someone else/);
  const memories = await client.store.searchItems(["memory", user, "collection"], { limit: 100 });
  assert.ok(!memories.items.some((i) => i.value.content === "The user lives in Boston."), "used as a fact");
  const [quote] = held.value.quotes;
  const episode = await client.store.getItem(["memory", user, "episodes"], quote.episode);
  assert.equal(episode.value.content.slice(quote.start, quote.end), "lives in Boston", "the quote points at the words");

  await refused(bob.client.store.getItem(review, held.key), "bob reads alice's held fact");
  await refused(bob.client.store.searchItems(review), "bob lists alice's held facts");
  const decide = (who, decision) =>
    fetch(`${url}/memories/api/review/${held.key}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${who}`, "Content-Type": "application/json" },
      body: JSON.stringify({ decision }),
    });
  assert.equal((await decide(bob.token, "confirm")).status, 400, "bob's page decides only bob's own");
  const discarded = await decide(token, "discard");
  assert.equal(discarded.status, 200, await discarded.text());
  assert.equal((await client.store.searchItems(review, { limit: 50 })).items.some((i) => i.key === held.key), false);
});
