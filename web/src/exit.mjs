// Quick exit: GOV.UK Frontend's Exit this page (its button, and Shift pressed three times), made
// to leave no trace in this tab: everything registered with onQuickExit is wiped (the chat closes
// its socket and empties its transcript), session storage is cleared, and the page is *replaced*
// by /exit, so the Back button does not return to it.
import { ExitThisPage } from "govuk-frontend";

const wipes = new Set();

/** `wipe` is called, once, when the person leaves by quick exit. */
export function onQuickExit(wipe) {
  wipes.add(wipe);
}

export function wipeEverything() {
  for (const wipe of wipes) {
    try {
      wipe();
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
}

export class QuickExit extends ExitThisPage {
  // GOV.UK's exitPage() follows the button's link with location.href, which keeps this page in
  // the history. Ours wipes first, then replaces the history entry.
  exitPage() {
    if (!this.$updateSpan) {
      return;
    }
    wipeEverything();
    this.$updateSpan.textContent = "";
    document.body.classList.add("govuk-exit-this-page-hide-content");
    this.$overlay = document.createElement("div");
    this.$overlay.className = "govuk-exit-this-page-overlay";
    this.$overlay.setAttribute("role", "alert");
    this.$overlay.textContent = this.i18n.t("activated");
    document.body.appendChild(this.$overlay);
    window.location.replace(this.$button.href);
  }
}
