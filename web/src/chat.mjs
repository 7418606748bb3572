// chat.js: the chat widget and quick exit, for our page and for a council page that embeds them.
import { QuickExit } from "./exit.mjs";
import { ChatWidget } from "./widget.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");

for (const root of document.querySelectorAll('[data-module="govuk-exit-this-page"]')) {
  new QuickExit(root);
}
for (const root of document.querySelectorAll('[data-module="chat-widget"]')) {
  new ChatWidget(root);
}
