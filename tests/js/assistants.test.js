// Assistants, one per memory type, configured through `context`; an invalid configuration is a 4xx.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createAssistant, GRAPH, lastReply, memoryTypes, userSays } from "./lib/chat.js";
import { refused } from "./lib/refused.js";
import { alice } from "./lib/server.js";

const { client, user } = alice;
const MEMORY_TYPES = await memoryTypes(client); // the server's list: a new memory kind is tested here too

for (const memoryType of MEMORY_TYPES) {
  test(`a ${memoryType} assistant is the caller's, and its runs write ${memoryType} memory`, async () => {
    const created = await createAssistant(client, memoryType, { write_mode: "hot_path" });
    const assistant = await client.assistants.get(created.assistant_id);
    assert.equal(assistant.graph_id, GRAPH);
    assert.equal(assistant.context.memory_type, memoryType);
    assert.equal(assistant.metadata.owner, user, "the server stamps the creator as owner");

    const found = await client.assistants.search({ graphId: GRAPH, limit: 100 });
    assert.ok(found.some((a) => a.assistant_id === created.assistant_id), "search lists one's own assistant");

    const values = await client.runs.wait(null, created.assistant_id, { input: userSays("I like sailing.") });
    lastReply(values, `a run of the ${memoryType} assistant`);
    const stored = await client.store.searchItems(["memory", user, memoryType]);
    assert.match(JSON.stringify(stored.items), /sailing/, `no ${memoryType} memory was written`);
  });
}

test("an invalid configuration is refused with a 4xx naming the field", async () => {
  for (const context of [{ memory_type: "episodic" }, { memory_type: "profile", memory_top_k: 0 }]) {
    const status = await refused(
      client.assistants.create({ graphId: GRAPH, context }),
      `creating an assistant with ${JSON.stringify(context)}`,
    );
    assert.equal(status, 422);
  }
  const [assistant] = await client.assistants.search({ graphId: GRAPH, limit: 1 });
  await refused(
    client.runs.wait(null, assistant.assistant_id, { input: userSays("Hi"), context: { memory_type: "episodic" } }),
    "a run with memory_type 'episodic'",
    [422],
  );
});
