// Phone numbers in the assistant's text become tel: links. Everything else is inserted as text:
// the text is split around the numbers and every piece goes in through a text node.

// 999, Childline's 0800 1111, and UK numbers written in groups (023 8083 3336, 0808 800 5000) or
// in one run of 10 or 11 digits. Not part of a longer token: "SCS-2026-000001" is a reference.
const PHONE = /(?<![\w+\-/])(999|0\d{2,4}(?: \d{3,4}){1,2}|0\d{9,10})(?![\w\-/])/g;

function isPhoneNumber(digits) {
  return digits === "999" || digits === "08001111" || digits.length === 10 || digits.length === 11;
}

/** The pieces of `text`: {text} for plain text, {text, tel} for a phone number. */
export function splitPhoneNumbers(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(PHONE)) {
    const digits = match[0].replace(/ /g, "");
    if (!isPhoneNumber(digits)) continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ text: match[0], tel: digits });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

/** Appends `text` to `parent` as text nodes, with phone numbers as tel: links. */
export function appendWithPhoneLinks(parent, text) {
  for (const piece of splitPhoneNumbers(text)) {
    if (piece.tel) {
      const link = document.createElement("a");
      link.className = "govuk-link";
      link.href = `tel:${piece.tel}`;
      link.textContent = piece.text;
      parent.append(link);
    } else {
      parent.append(document.createTextNode(piece.text));
    }
  }
}
