// Unit tests of reading the server's session_confirm (node --test; `make test-web`).
import assert from "node:assert/strict";
import { test } from "node:test";

import { SESSION_ID, readConfirmedSession } from "../src/session.mjs";

const ID = "0123456789abcdef0123456789abcdef";
const TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";

test("our server's confirmation gives the id and the token", () => {
  assert.deepEqual(readConfirmedSession({ session_id: ID, session_token: TOKEN }), { id: ID, token: TOKEN });
  assert.ok(SESSION_ID.test(ID));
});

test("Rasa's own channel confirms with the id alone, and there is no token", () => {
  assert.deepEqual(readConfirmedSession(ID), { id: ID, token: null });
  assert.deepEqual(readConfirmedSession({ session_id: ID }), { id: ID, token: null });
});

test("anything else is no session", () => {
  for (const payload of [null, undefined, 42, "", {}, { session_id: 7 }, { session_id: "x".repeat(65) }, []]) {
    assert.equal(readConfirmedSession(payload), null, JSON.stringify(payload));
  }
});

test("a token that is not one is dropped, the id kept", () => {
  for (const token of ["short", "with spaces in it and more text", "<script>alert(1)</script>xxxxxxxx", 12]) {
    assert.deepEqual(readConfirmedSession({ session_id: ID, session_token: token }), { id: ID, token: null });
  }
});
