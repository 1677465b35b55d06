// Across users: bob holds a valid token of his own and alice's ids, and gets none of her things.
import assert from "node:assert/strict";
import { before, test } from "node:test";

import { createAssistant, queuedWrite, say, userSays, waitForMemory } from "./lib/chat.js";
import { drain, refused, refusedStream } from "./lib/refused.js";
import { alice, bob, connect, forgedToken } from "./lib/server.js";

const HELLO = userSays("I'm Mallory and I live in Evilville.");
let aliceAssistant, aliceThread, writerThread, bobAssistant;

before(async () => {
  aliceAssistant = (await createAssistant(alice.client, "semantic")).assistant_id;
  aliceThread = (await alice.client.threads.create()).thread_id;
  await say(alice.client, aliceAssistant, aliceThread, "I'm Alice and I live in Lisbon.");
  writerThread = (await queuedWrite(alice.client, aliceThread)).thread_id;
  bobAssistant = (await createAssistant(bob.client, "profile")).assistant_id;
});

test("bob cannot read, run on or delete alice's thread", async () => {
  const { runs, threads } = bob.client;
  await refused(threads.get(aliceThread), "bob: read it");
  await refused(threads.getState(aliceThread), "bob: read its state");
  await refused(threads.getHistory(aliceThread), "bob: read its history");
  await refused(runs.list(aliceThread), "bob: list its runs");
  await refused(runs.wait(aliceThread, bobAssistant, { input: HELLO }), "bob: run on it");
  await refused(drain(runs.stream(aliceThread, bobAssistant, { input: HELLO })), "bob: stream a run on it");
  await refused(threads.update(aliceThread, { metadata: { note: "bob was here" } }), "bob: update it");
  await refused(threads.delete(aliceThread), "bob: delete it");
  await refused(threads.prune([aliceThread]), "bob: prune it");
  await refusedStream(threads.joinStream(aliceThread), "bob: join its stream");
  const found = await threads.search({ limit: 100 });
  assert.ok(!found.some((t) => t.thread_id === aliceThread), "bob's search lists alice's thread");
  assert.equal((await alice.client.threads.get(aliceThread)).metadata.owner, alice.user, "alice still has it");
});

test("bob cannot read, use or change alice's assistant", async () => {
  const { assistants, runs } = bob.client;
  await refused(assistants.get(aliceAssistant), "bob: read it");
  await refused(assistants.update(aliceAssistant, { metadata: { name: "bob's now" } }), "bob: update it");
  await refused(assistants.delete(aliceAssistant), "bob: delete it");
  const found = await assistants.search({ limit: 100 });
  assert.ok(!found.some((a) => a.assistant_id === aliceAssistant), "bob's search lists alice's assistant");
  // A run names its assistant: bob's runs may not borrow alice's (and her system prompt).
  await refused(runs.wait(null, aliceAssistant, { input: HELLO }), "bob: run it");
});

test("no one but the server runs the memory_writer graph", async () => {
  const { assistants, runs } = bob.client;
  const context = { memory_type: "semantic" };
  await refused(runs.wait(null, "memory_writer", { input: HELLO, context }), "a threadless memory_writer run", [403]);
  const own = (await bob.client.threads.create()).thread_id;
  await refused(runs.wait(own, "memory_writer", { input: HELLO, context }), "memory_writer on bob's own thread", [403]);
  await refused(assistants.create({ graphId: "memory_writer" }), "a memory_writer assistant", [403]);
});

/** Every way bob might take or feed alice's memory-writer thread. */
function writerThreadAttempts({ runs, threads }) {
  return {
    "create it": () => threads.create({ threadId: writerThread }),
    "create it if absent": () => threads.create({ threadId: writerThread, ifExists: "do_nothing" }),
    "run the chatbot on it": () => runs.wait(writerThread, bobAssistant, { input: HELLO, ifNotExists: "create" }),
    "run the writer on it": () => runs.wait(writerThread, "memory_writer", { input: HELLO, ifNotExists: "create" }),
    "leave an interrupted run": () =>
      runs.create(writerThread, "memory_writer", { input: HELLO, interruptBefore: ["extract"], ifNotExists: "create" }),
  };
}

test("bob can neither take nor feed alice's memory-writer thread, before or after she deletes it", async () => {
  const write = await queuedWrite(alice.client, aliceThread);
  await alice.client.runs.join(write.thread_id, write.run_id);
  for (const [what, call] of Object.entries(writerThreadAttempts(bob.client))) await refused(call, `bob: ${what}`);
  await refused(bob.client.threads.get(writerThread), "bob: read it");
  await refused(bob.client.runs.list(writerThread), "bob: list its runs");
  await refused(bob.client.threads.delete(writerThread), "bob: delete it");
  // Alice may read and delete it (forgetting does), never run on it.
  assert.equal((await alice.client.threads.get(writerThread)).thread_id, writerThread);
  await refused(alice.client.runs.wait(writerThread, aliceAssistant, { input: HELLO }), "alice running on it", [403]);
  await alice.client.threads.delete(writerThread);

  // Its id is free now, and still the server's alone.
  for (const [what, call] of Object.entries(writerThreadAttempts(bob.client))) {
    await refused(call, `bob, after alice deleted it: ${what}`, [403]);
  }
  await say(alice.client, aliceAssistant, aliceThread, "I like hiking.");
  await waitForMemory(alice.client, aliceThread);
  const stored = JSON.stringify((await alice.client.store.searchItems(["memory", alice.user, "semantic"])).items);
  assert.match(stored, /Lisbon/);
  assert.match(stored, /hiking/);
  assert.doesNotMatch(stored, /Mallory|Evilville/, "bob's words reached alice's memory");
});

test("a missing, forged or malformed token gets 401", async () => {
  const tampered = alice.token.slice(0, -2) + (alice.token.endsWith("AA") ? "BB" : "AA");
  const callers = {
    "no token": connect(null),
    "a token signed with another secret": connect(forgedToken),
    "alice's token with a changed signature": connect(tampered),
    "a token that is no token": connect("not-a-token"),
  };
  for (const [who, client] of Object.entries(callers)) {
    await refused(client.threads.search(), `${who}: search threads`, [401]);
    await refused(client.assistants.create({ graphId: "chatbot" }), `${who}: create an assistant`, [401]);
    await refused(client.runs.wait(null, aliceAssistant, { input: HELLO }), `${who}: run`, [401]);
    await refused(client.store.listNamespaces(), `${who}: list namespaces`, [401]);
  }
});
