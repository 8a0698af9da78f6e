// One WebSocket to /ws (SPEC 5 and 9) that comes back by itself after a drop or a server restart.
// Events: "open" (welcome received), "frame" (every other server frame), "status" ({state, text}).
import { closeText } from "./words.js";

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

export class Connection extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.refused = false;
    this.retryTimer = null;
    this.onOnline = () => this.reconnectNow();
    // A socket can look open long after the network went away: let it go now, resume when back.
    this.onOffline = () => this.socket?.close(1000, "offline");
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
  }

  get ready() {
    return this.socket?.readyState === WebSocket.OPEN && this.welcomed;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  /** Ends the connection for good (sign-out). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.socket?.close(1000, "signed out");
  }

  send(frame) {
    if (!this.ready) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    this.welcomed = false;
    this.refused = false;
    this.status("connecting", this.attempt ? "Reconnecting…" : "Connecting…");
    socket.addEventListener("message", (event) => this.receive(socket, event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  receive(socket, data) {
    if (socket !== this.socket) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return this.status("error", "The server sent something this page cannot read.");
    }
    if (frame.action === "welcome") {
      this.welcomed = true;
      this.attempt = 0;
      this.status("online", "Connected");
      this.dispatchEvent(new CustomEvent("open", { detail: frame }));
      return;
    }
    if (frame.action === "error") this.lastError = frame.code;
    if (frame.action === "error" && frame.code === "unauthenticated" && !this.welcomed) this.refused = true;
    this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
  }

  closed(socket, code) {
    if (socket !== this.socket || this.stopped) return;
    this.welcomed = false;
    if (this.refused || code === 1008) {
      const detail = { code, unauthenticated: this.refused, lastError: this.lastError };
      this.dispatchEvent(new CustomEvent("refused", { detail }));
      return this.status("refused", closeText(1008));
    }
    if (!navigator.onLine) return this.status("offline", "You are offline. Messages will be sent when you are back.");
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.status("connecting", `${closeText(code)} (in ${Math.ceil(delay / 1000)} s)`);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  reconnectNow() {
    if (this.stopped || this.ready) return;
    clearTimeout(this.retryTimer);
    if (this.socket && this.socket.readyState === WebSocket.CONNECTING) return;
    this.attempt = 0;
    this.open();
  }

  status(state, text) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state, text } }));
  }
}
