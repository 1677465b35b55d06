// The server under test and its two users, as tests/test_js_client.py hands them over.
import { Client } from "@langchain/langgraph-sdk";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these through tests/test_js_client.py`);
  return value;
}

export const url = required("LANGGRAPH_URL");

/** An SDK client sending `token` as its bearer token (none when `token` is null). */
export function connect(token) {
  return new Client({
    apiUrl: url,
    apiKey: null, // never pick up a LangSmith key from the environment
    defaultHeaders: token ? { Authorization: `Bearer ${token}` } : {},
    callerOptions: { maxRetries: 0 }, // a 500 must surface, not be retried away
    timeoutMs: 20_000,
  });
}

function signedIn(user, token) {
  return { user, token, client: connect(token) };
}

export const alice = signedIn(required("USER_A"), required("TOKEN_A"));
export const bob = signedIn(required("USER_B"), required("TOKEN_B"));
/** A well-formed token for alice signed with a secret that is not the server's. */
export const forgedToken = required("FORGED_TOKEN");
