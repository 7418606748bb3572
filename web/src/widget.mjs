// The chat widget: a transcript, a text box and quick replies over Rasa's socket.io channel.
//
// Mounted on any element with data-module="chat-widget" and data-socket-url (the Rasa server);
// data-help-id names an element whose content (the phone numbers) is shown when the assistant
// cannot be reached. Every piece of text, the person's or the assistant's, goes in as text.
//
// Privacy: the only things kept in the browser are the conversation's random id and the token that
// proves it is this tab's, in session storage (never localStorage), so a reload or a dropped
// connection carries on the same conversation; closing the tab ends it. Both are made by the Rasa
// server (channels/socketio.py), which puts no socket in a conversation without its token. Quick
// exit asks the server to erase the conversation, then wipes the page and the storage.
//
// Staff preview: on the staff console's preview page the element also carries data-preview-ticket,
// which the intake signed. The widget sends it with session_request, so that the server makes the
// conversation a staff preview (kept out of the live queue), and keeps that conversation under
// keys of its own: a preview and a public chat in the same tab never carry on each other. When the
// server refuses the ticket (it has expired) the widget says so and starts nothing.
import { io } from "socket.io-client";

import { QUICK_EXIT_WAIT_MS, onQuickExit } from "./exit.mjs";
import { appendWithPhoneLinks } from "./linkify.mjs";
import { SESSION_ID, SESSION_TOKEN, readConfirmedSession } from "./session.mjs";

const SESSION_KEYS = {
  live: { id: "chat-widget-session", token: "chat-widget-session-token" },
  preview: { id: "chat-widget-preview-session", token: "chat-widget-preview-session-token" },
};
const PREVIEW_TICKET = /^v1\.[0-9]{10}\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/;
export const MAX_MESSAGE_LENGTH = 10000;
// After this many failed attempts in a row the widget says it cannot reach the assistant (and
// shows the phone numbers) while it goes on trying in the background.
const ATTEMPTS_BEFORE_ERROR = 2;
const SLOW_REPLY_MS = 20000;
const GREETING = "/greet";

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) {
      node.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      node.setAttribute(name, String(value));
    }
  }
  if (text !== null) {
    node.textContent = text;
  }
  return node;
}

function readStored(key, pattern) {
  try {
    const value = window.sessionStorage.getItem(key);
    return value && pattern.test(value) ? value : null;
  } catch {
    return null;
  }
}

function storeSession(keys, id, token) {
  try {
    window.sessionStorage.setItem(keys.id, id);
    if (token) {
      window.sessionStorage.setItem(keys.token, token);
    } else {
      window.sessionStorage.removeItem(keys.token);
    }
  } catch {
    // Storage switched off: the conversation then lasts as long as the page.
  }
}


export class ChatWidget {
  constructor(root) {
    this.root = root;
    this.socketUrl = root.dataset.socketUrl;
    this.socketPath = root.dataset.socketPath || "/socket.io";
    this.helpSource = root.dataset.helpId ? document.getElementById(root.dataset.helpId) : null;
    const ticket = root.dataset.previewTicket || "";
    this.previewTicket = PREVIEW_TICKET.test(ticket) ? ticket : null;
    this.keys = this.previewTicket ? SESSION_KEYS.preview : SESSION_KEYS.live;
    this.socket = null;
    this.everConnected = false;
    this.failedAttempts = 0;
    this.waitingForReply = false;
    this.slowReplyTimer = null;
    this.inSession = false; // connected, and in the conversation's room on the server
    this.unsent = []; // messages written while not in the session, sent once it is back
    this.resumed = false;
    this.expired = false; // a staff preview whose ticket the server refused
    this.sessionId = readStored(this.keys.id, SESSION_ID);
    this.sessionToken = this.sessionId ? readStored(this.keys.token, SESSION_TOKEN) : null;
    if (this.sessionId) {
      this.resumed = true;
    }
    this.build();
    onQuickExit(() => this.destroy());
    if (this.resumed) {
      // A reload in the same tab: the conversation is still open on the server.
      this.open({ focus: false });
    }
  }

  // --- the DOM ---------------------------------------------------------------------------
  build() {
    const id = (name) => `chat-widget-${name}`;
    for (const fallback of this.root.querySelectorAll(".chat-widget__fallback")) {
      fallback.hidden = true;
    }

    this.opener = element(
      "button",
      { type: "button", class: "govuk-button chat-widget__open", "aria-controls": id("panel") },
      "Start a chat",
    );
    this.panel = element("section", {
      id: id("panel"),
      class: "chat-widget__panel",
      "aria-labelledby": id("title"),
      hidden: true,
    });

    const header = element("div", { class: "chat-widget__header" });
    header.append(element("h2", { id: id("title"), class: "chat-widget__title" }, "Chat with our automated assistant"));
    this.closer = element("button", { type: "button", class: "govuk-button govuk-button--secondary chat-widget__close" }, "Close chat");
    header.append(this.closer);

    const intro = element("p", { class: "govuk-body-s" });
    appendWithPhoneLinks(intro, "You are chatting with an automated assistant, not a person. If a child is in immediate danger, call 999.");

    this.log = element("div", {
      id: id("log"),
      class: "chat-widget__log",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    this.status = element("div", { id: id("status"), class: "chat-widget__status", role: "status" });
    this.error = element("div", { id: id("error"), class: "chat-widget__error", role: "alert", hidden: true });
    this.replies = element("div", {
      class: "chat-widget__replies",
      role: "group",
      "aria-label": "Suggested replies",
      hidden: true,
    });

    this.form = element("form", { class: "chat-widget__form", novalidate: true });
    this.formGroup = element("div", { class: "govuk-form-group" });
    const label = element("label", { class: "govuk-label", for: id("input") }, "Your message");
    const hint = element("div", { id: id("hint"), class: "govuk-hint" }, "Press Enter to send. For a new line, press Shift and Enter.");
    this.inputError = element("p", { id: id("input-error"), class: "govuk-error-message", hidden: true });
    this.input = element("textarea", {
      id: id("input"),
      name: "message",
      class: "govuk-textarea",
      rows: "3",
      autocomplete: "off",
      "aria-describedby": id("hint"),
    });
    this.formGroup.append(label, hint, this.inputError, this.input);
    this.sendButton = element("button", { type: "submit", class: "govuk-button chat-widget__send" }, "Send");
    this.form.append(this.formGroup, this.sendButton);

    this.panel.append(header, intro, this.log, this.status, this.error, this.replies, this.form);
    this.root.append(this.opener, this.panel);

    this.opener.addEventListener("click", () => this.open());
    this.closer.addEventListener("click", () => this.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendTyped();
      }
    });
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.opener.hidden = true;
    this.connect();
    if (focus) {
      this.input.focus();
    }
  }

  close() {
    this.panel.hidden = true;
    this.opener.hidden = false;
    this.opener.textContent = this.log.childElementCount > 0 ? "Return to the chat" : "Start a chat";
    this.opener.focus();
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  addMessage(author, text) {
    const item = element("div", { class: `chat-widget__message chat-widget__message--${author}` });
    const name = { bot: "Assistant", user: "You", notice: "Note" }[author];
    const label = element("span", { class: "chat-widget__author" }, name);
    label.append(element("span", { class: "govuk-visually-hidden" }, author === "notice" ? ":" : " said:"));
    const body = element("p", { class: "chat-widget__text govuk-body" });
    if (author === "user") {
      body.textContent = text;
    } else {
      appendWithPhoneLinks(body, text);
    }
    item.append(label, body);
    this.log.append(item);
    this.log.scrollTop = this.log.scrollHeight;
  }

  showReplies(replies) {
    this.replies.replaceChildren();
    for (const reply of replies) {
      const title = typeof reply.title === "string" ? reply.title : "";
      const payload = typeof reply.payload === "string" ? reply.payload : title;
      if (!title) {
        continue;
      }
      const button = element("button", { type: "button", class: "govuk-button govuk-button--secondary" }, title);
      button.addEventListener("click", () => {
        this.clearReplies();
        this.input.focus();
        this.send(payload, title);
      });
      this.replies.append(button);
    }
    this.replies.hidden = this.replies.childElementCount === 0;
  }

  clearReplies() {
    this.replies.replaceChildren();
    this.replies.hidden = true;
  }

  showInputError(text) {
    this.inputError.replaceChildren(element("span", { class: "govuk-visually-hidden" }, "Error:"), document.createTextNode(` ${text}`));
    this.inputError.hidden = false;
    this.formGroup.classList.add("govuk-form-group--error");
    this.input.classList.add("govuk-textarea--error");
    this.input.setAttribute("aria-describedby", `${this.inputError.id} ${this.input.getAttribute("aria-describedby").replace(this.inputError.id, "").trim()}`.trim());
    this.input.setAttribute("aria-invalid", "true");
    this.input.focus();
  }

  clearInputError() {
    this.inputError.hidden = true;
    this.inputError.replaceChildren();
    this.formGroup.classList.remove("govuk-form-group--error");
    this.input.classList.remove("govuk-textarea--error");
    this.input.setAttribute("aria-describedby", "chat-widget-hint");
    this.input.removeAttribute("aria-invalid");
  }

  showError() {
    this.error.replaceChildren(
      element("h3", { class: "govuk-heading-s" }, "The chat is not available at the moment"),
      element("p", { class: "govuk-body" }, "We cannot reach the assistant. We will keep trying. You can still get help by phone:"),
    );
    if (this.helpSource) {
      for (const child of this.helpSource.children) {
        this.error.append(child.cloneNode(true));
      }
    } else {
      const fallback = element("p", { class: "govuk-body" });
      appendWithPhoneLinks(fallback, "If a child is in immediate danger, call 999.");
      this.error.append(fallback);
    }
    this.error.hidden = false;
    this.setStatus("");
  }

  hideError() {
    this.error.hidden = true;
    this.error.replaceChildren();
  }

  // --- the conversation --------------------------------------------------------------------
  connect() {
    if (this.socket) {
      return;
    }
    if (this.expired) {
      this.showExpired();
      return;
    }
    this.setStatus("Connecting to the assistant…");
    if (!this.socketUrl || !/^https?:\/\//i.test(this.socketUrl)) {
      this.showError();
      return;
    }
    const socket = io(this.socketUrl, {
      path: this.socketPath,
      // WebSocket only: no long-polling requests, no cookies.
      transports: ["websocket"],
      withCredentials: false,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 8000,
    });
    this.socket = socket;

    // A message goes only once the server has put this connection in the conversation's room
    // (session_confirm): a message sent before that, after a reconnection, would be answered into
    // a room this connection is not yet in, and the answer lost. Until then messages wait here.
    socket.on("connect", () => {
      this.failedAttempts = 0;
      this.hideError();
      // The server gives a new conversation unless it is asked for this tab's, with its token.
      const request = { session_id: this.sessionId, session_token: this.sessionToken };
      if (this.previewTicket) {
        request.preview_ticket = this.previewTicket;
      }
      socket.emit("session_request", request);
    });
    socket.on("session_confirm", (payload) => {
      const confirmed = readConfirmedSession(payload);
      if (!confirmed) {
        return;
      }
      const replaced = this.everConnected || this.resumed ? this.sessionId !== confirmed.id : false;
      this.sessionId = confirmed.id;
      this.sessionToken = confirmed.token;
      storeSession(this.keys, confirmed.id, confirmed.token);
      const again = this.everConnected && !replaced;
      this.inSession = true;
      if (replaced) {
        // The server did not carry the conversation on (it was restarted with a new key, say).
        this.everConnected = true;
        this.resumed = false;
        this.addMessage("notice", "The assistant could not carry on the earlier conversation, so this is a new one.");
        this.setStatus("Connected.");
        this.send(GREETING, null);
      } else if (again) {
        // An answer the server sent while this tab was not connected does not come again.
        this.setStatus(
          this.waitingForReply && this.unsent.length === 0
            ? "Connected again. If you did not get an answer to your last message, please send it again."
            : "Connected again. You can carry on.",
        );
      } else {
        this.everConnected = true;
        this.setStatus("Connected.");
        if (this.resumed) {
          this.addMessage("notice", "You are carrying on a conversation you started earlier in this tab. For your privacy, earlier messages are not shown again.");
        } else {
          this.send(GREETING, null);
        }
      }
      this.sendUnsent();
    });
    socket.on("bot_uttered", (message) => this.receive(message));
    socket.on("preview_refused", () => this.previewRefused());
    socket.on("disconnect", (reason) => {
      this.inSession = false;
      this.takeBackBuffered(socket);
      if (reason === "io client disconnect") {
        return;
      }
      this.setStatus("The connection was lost. Trying to reconnect…");
      if (reason === "io server disconnect") {
        socket.connect(); // socket.io does not reconnect by itself after the server closed it
      }
    });
    socket.on("connect_error", () => {
      this.failedAttempts += 1;
      if (this.failedAttempts >= ATTEMPTS_BEFORE_ERROR) {
        this.showError();
      } else {
        this.setStatus("Still trying to connect…");
      }
    });
  }

  // The server would not start a preview with this page's ticket: it has expired.
  previewRefused() {
    this.stopWaiting();
    this.expired = true;
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.io.reconnection(false);
      this.socket.disconnect();
      this.socket = null;
    }
    this.inSession = false;
    this.showExpired();
  }

  showExpired() {
    this.error.replaceChildren(
      element("h3", { class: "govuk-heading-s" }, "This preview has expired"),
      element("p", { class: "govuk-body" }, "Reload the page to start a new preview."),
    );
    this.error.hidden = false;
    this.setStatus("");
  }

  receive(message) {
    if (!message || typeof message !== "object") {
      return;
    }
    this.stopWaiting();
    if (typeof message.text === "string" && message.text.trim()) {
      this.addMessage("bot", message.text);
    }
    if (Array.isArray(message.quick_replies) && message.quick_replies.length) {
      this.showReplies(message.quick_replies);
    }
    this.setStatus("");
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) {
      this.showInputError("Type a message before you send it");
      return;
    }
    if (text.length > MAX_MESSAGE_LENGTH) {
      this.showInputError(`Your message is ${text.length.toLocaleString("en-GB")} characters long. Send it in parts of up to ${MAX_MESSAGE_LENGTH.toLocaleString("en-GB")} characters.`);
      return;
    }
    if (!this.socket) {
      // Nowhere to send it: the message stays in the box, and the error gives the numbers.
      this.clearInputError();
      if (this.expired) {
        this.showExpired();
      } else {
        this.showError();
      }
      return;
    }
    this.clearInputError();
    this.input.value = "";
    this.clearReplies();
    this.send(text, text);
  }

  // `shown` is what the transcript shows as the person's message (null: nothing, for the greeting).
  // Only called with a socket: sendTyped checks, and the greeting and quick replies come from one.
  send(message, shown) {
    if (shown !== null) {
      this.addMessage("user", shown);
    }
    if (this.inSession) {
      this.socket.emit("user_uttered", { message, session_id: this.sessionId });
      this.setStatus("The assistant is typing…");
      this.startWaiting();
    } else {
      this.unsent.push(message);
      this.setStatus(
        this.everConnected
          ? "Not connected. Your message will be sent when the connection is back."
          : "Connecting to the assistant. Your message will be sent when it is connected.",
      );
    }
  }

  // A message emitted just as the connection died unnoticed (a missed ping) sits in socket.io's
  // own buffer, which it would send on reconnection before session_request: it joins ours instead.
  takeBackBuffered(socket) {
    const buffered = socket.sendBuffer.splice(0);
    const messages = buffered
      .filter((packet) => Array.isArray(packet.data) && packet.data[0] === "user_uttered")
      .map((packet) => packet.data[1].message);
    this.unsent.unshift(...messages);
  }

  // The messages written while not connected, in the order they were written.
  sendUnsent() {
    const messages = this.unsent.splice(0);
    for (const message of messages) {
      this.socket.emit("user_uttered", { message, session_id: this.sessionId });
    }
    if (messages.length) {
      this.setStatus("The assistant is typing…");
      this.startWaiting();
    }
  }

  startWaiting() {
    this.stopWaiting();
    this.waitingForReply = true;
    this.slowReplyTimer = window.setTimeout(() => {
      if (this.waitingForReply) {
        this.setStatus("No answer yet. If a child is in immediate danger, call 999.");
      }
    }, SLOW_REPLY_MS);
  }

  stopWaiting() {
    this.waitingForReply = false;
    if (this.slowReplyTimer) {
      window.clearTimeout(this.slowReplyTimer);
      this.slowReplyTimer = null;
    }
  }

  // Quick exit: ask the server to erase the conversation, close the connection and leave nothing
  // of the conversation in the page, at once. The socket closes when the server has taken the
  // request (its answer) or after QUICK_EXIT_WAIT_MS; the promise returned says when, and the exit
  // waits for it (exit.mjs): closed in the same instant, the request could arrive with the closing
  // frames and be dropped unread.
  destroy() {
    this.stopWaiting();
    const socket = this.socket;
    let sent = null;
    if (socket) {
      socket.removeAllListeners();
      socket.io.reconnection(false);
      if (socket.connected && this.sessionId) {
        const erase = { session_id: this.sessionId, session_token: this.sessionToken };
        sent = new Promise((resolve) => {
          socket.timeout(QUICK_EXIT_WAIT_MS).emit("session_erase", erase, () => {
            socket.disconnect();
            resolve();
          });
        });
      } else {
        socket.disconnect();
      }
      this.socket = null;
    }
    this.sessionId = null;
    this.sessionToken = null;
    this.unsent = [];
    this.root.replaceChildren();
    return sent;
  }
}
