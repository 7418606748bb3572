// The /exit page: clears this site's session storage and replaces itself with the neutral site,
// so neither this page nor the chat stays in the tab's history. Runs before the page is drawn.
const script = document.currentScript;
const target = script && script.dataset.exitTo;
try {
  window.sessionStorage.clear();
} catch {
  // Storage switched off: nothing to clear.
}
if (target && /^https?:\/\//i.test(target)) {
  window.location.replace(target);
}
