// Unit tests of the phone-number splitting (node --test; `make test-web`).
import assert from "node:assert/strict";
import { test } from "node:test";

import { splitPhoneNumbers } from "../src/linkify.mjs";

const tels = (text) => splitPhoneNumbers(text).filter((piece) => piece.tel).map((piece) => piece.tel);

test("the service's numbers become tel: links", () => {
  assert.deepEqual(tels("Members of the public: 023 8083 3336. Professionals: 023 8083 2300."), [
    "02380833336",
    "02380832300",
  ]);
  assert.deepEqual(tels("Call 999 now."), ["999"]);
  assert.deepEqual(tels("Childline can: call them on 0800 1111."), ["08001111"]);
  assert.deepEqual(tels("NSPCC: 0808 800 5000"), ["08088005000"]);
  assert.deepEqual(tels("or 02380833336"), ["02380833336"]);
});

test("references, times, ages and postcodes stay text", () => {
  assert.deepEqual(tels("Your reference is SCS-2026-000001."), []);
  assert.deepEqual(tels("within 24 hours, a 7 year old, SO14 7LY, in 2 hours"), []);
  assert.deepEqual(tels("9999 or 1999 or 999a"), []);
  assert.deepEqual(tels("id 0123-456-789 and /0238083333/"), []);
});

test("the pieces put back together are the original text", () => {
  const text = "Call 999 now. <b>Then</b> phone 023 8083 3336 😀 שלום";
  assert.equal(
    splitPhoneNumbers(text)
      .map((piece) => piece.text)
      .join(""),
    text,
  );
  assert.deepEqual(splitPhoneNumbers(""), []);
});
