// The SDK's newer streaming protocol (`client.threads.stream`: commands over /threads/<id>/commands and
// a websocket) is switched off on this server (`http.disable_event_streaming`): a socket opened there
// kept working after its token was revoked. Every client gets the runs API instead.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { userSays } from "./lib/chat.js";
import { refused } from "./lib/refused.js";
import { alice, bob } from "./lib/server.js";

test("the streaming protocol's routes are closed, to the owner and to others alike", async () => {
  const threadId = (await alice.client.threads.create()).thread_id;
  for (const [who, client] of [["alice", alice.client], ["bob", bob.client]]) {
    const thread = client.threads.stream(threadId, { assistantId: "chatbot" });
    try {
      await refused(thread.run.start({ input: userSays("I like owls.") }), `${who} starting a run`, [404]);
    } finally {
      await thread.close();
    }
  }
  const fresh = alice.client.threads.stream(randomUUID(), { assistantId: "chatbot" });
  try {
    await refused(fresh.run.start({ input: userSays("I like owls.") }), "a run on a new thread", [404]);
  } finally {
    await fresh.close();
  }
  const messages = (await alice.client.threads.getState(threadId)).values?.messages ?? [];
  assert.equal(messages.length, 0, "a protocol run reached the thread");
});
