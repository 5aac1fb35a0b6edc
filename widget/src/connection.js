// Rasa's socket.io channel (rasa/core/channels/socketio.py, session_persistence: true):
//   client -> "session_request" {session_id}   server -> "session_confirm" session_id (socket joins that room)
//   client -> "user_uttered" {message, session_id}
//   server -> "bot_uttered" {text, quick_replies?: [{title, payload}]} to the room, i.e. to every tab of the session.
// socket.io-client reconnects by itself; after every (re)connect the session is requested again, and questions
// asked meanwhile are sent only once the server has confirmed the session (else the reply would go nowhere).
import { io } from "socket.io-client";

export class Connection {
  constructor({ serverUrl, socketPath, sessionId, onStatus, onBotMessage, onSent }) {
    this.sessionId = sessionId;
    this.onStatus = onStatus;
    this.onBotMessage = onBotMessage;
    this.onSent = onSent;
    this.ready = false;
    this.queue = []; // [{id, message}] waiting for a confirmed session
    this.socket = io(serverUrl || undefined, {
      path: socketPath,
      // WebSocket first: no CORS preflight between the intranet page and Rasa; long polling as a fallback
      // where a proxy blocks WebSockets.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 10000,
    });
    this.socket.on("connect", () => {
      this.ready = false;
      this.socket.emit("session_request", { session_id: this.sessionId });
    });
    this.socket.on("session_confirm", (confirmed) => {
      const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
      if (id && id !== this.sessionId) return; // an answer to an older request (the session was reset)
      this.ready = true;
      this.onStatus("online");
      this.flush();
    });
    this.socket.on("bot_uttered", (message) => this.onBotMessage(message));
    this.socket.on("disconnect", (reason) => {
      this.ready = false;
      if (reason !== "io client disconnect") this.onStatus("offline");
      if (reason === "io server disconnect") this.socket.connect(); // the server hung up: try again too
    });
    this.socket.on("connect_error", () => {
      this.ready = false;
      this.onStatus("offline");
    });
    window.addEventListener("online", () => {
      if (!this.socket.connected) this.socket.connect();
    });
  }

  send(id, message) {
    this.queue.push({ id, message });
    if (this.ready) this.flush();
  }

  flush() {
    while (this.ready && this.socket.connected && this.queue.length) {
      const { id, message } = this.queue.shift();
      this.socket.emit("user_uttered", { message, session_id: this.sessionId });
      this.onSent(id);
    }
  }

  changeSession(sessionId) {
    this.sessionId = sessionId;
    this.queue = [];
    this.ready = false;
    // A fresh socket leaves the old session's room; "connect" then requests the new session.
    this.socket.disconnect();
    this.socket.connect();
  }
}
