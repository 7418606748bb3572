// What the Rasa server says the conversation is (its session_confirm), read without trusting it.
//
// Our server (channels/socketio.py) makes the conversation's id and a token that proves this tab
// holds it, and sends both as {session_id, session_token}; Rasa's own socket.io channel sends the
// id alone, as a string, and no token. The widget keeps what it is given and asks for it back
// after a reload or a reconnection.

export const SESSION_ID = /^[0-9a-f]{32}$/;
export const SESSION_TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

/** {id, token} from a session_confirm payload (token null when there is none), or null. */
export function readConfirmedSession(payload) {
  const isObject = payload !== null && typeof payload === "object";
  const id = typeof payload === "string" ? payload : isObject ? payload.session_id : null;
  if (typeof id !== "string" || !id || id.length > 64) {
    return null;
  }
  const token = isObject && typeof payload.session_token === "string" && SESSION_TOKEN.test(payload.session_token) ? payload.session_token : null;
  return { id, token };
}
