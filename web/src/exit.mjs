// Quick exit: GOV.UK Frontend's Exit this page (its button, and Shift pressed three times), made
// to leave no trace in this tab: everything registered with onQuickExit is wiped (the chat asks the
// server to erase the conversation, closes its socket and empties its transcript), session storage
// is cleared, and the page is *replaced* by /exit, so the Back button does not return to it.
import { ExitThisPage } from "govuk-frontend";

// The longest quick exit waits, the page already wiped and hidden, for what a wipe sends to be
// taken (the chat's erase request): a socket closed at once by leaving the page can lose a message
// sent the same instant.
export const QUICK_EXIT_WAIT_MS = 300;

const wipes = new Set();

/** `wipe` is called, once, when the person leaves by quick exit; it may return a promise of what
 * it still sends, which the exit waits for, at most QUICK_EXIT_WAIT_MS. */
export function onQuickExit(wipe) {
  wipes.add(wipe);
}

/** Wipes everything at once; the promises of what is still being sent. */
export function wipeEverything() {
  const sending = [];
  for (const wipe of wipes) {
    try {
      const pending = wipe();
      if (pending && typeof pending.then === "function") {
        sending.push(pending);
      }
    } catch {
      // One part failing to wipe must not stop the others, nor the exit.
    }
  }
  wipes.clear();
  try {
    window.sessionStorage.clear();
  } catch {
    // Storage switched off in this browser: nothing was kept there.
  }
  return sending;
}

/** Resolves when everything `sending` has gone, or after `most` milliseconds, whichever is first. */
export function untilSentOrAfter(sending, most = QUICK_EXIT_WAIT_MS) {
  if (!sending.length) {
    return Promise.resolve();
  }
  const timer = new Promise((resolve) => window.setTimeout(resolve, most));
  return Promise.race([Promise.allSettled(sending), timer]);
}

export class QuickExit extends ExitThisPage {
  // GOV.UK's exitPage() follows the button's link with location.href, which keeps this page in
  // the history. Ours wipes first, then replaces the history entry.
  exitPage() {
    if (!this.$updateSpan) {
      return;
    }
    const sending = wipeEverything();
    this.$updateSpan.textContent = "";
    document.body.classList.add("govuk-exit-this-page-hide-content");
    this.$overlay = document.createElement("div");
    this.$overlay.className = "govuk-exit-this-page-overlay";
    this.$overlay.setAttribute("role", "alert");
    this.$overlay.textContent = this.i18n.t("activated");
    document.body.appendChild(this.$overlay);
    const href = this.$button.href;
    untilSentOrAfter(sending).then(() => window.location.replace(href));
  }
}
