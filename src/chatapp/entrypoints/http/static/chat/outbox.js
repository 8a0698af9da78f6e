// Messages this page sent that the server has not acknowledged yet. Each keeps its clientId for
// good, so sending it again after a drop is idempotent: the server answers with the row it stored.

function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  constructor() {
    this.entries = new Map(); // clientId -> {clientId, conversation, content, status, error}
  }

  /** A new message for `conversation` (null: the personal stream), sent at once if `connection` can. */
  add(conversation, content, connection) {
    const entry = { clientId: newClientId(), conversation, content, status: "sending" };
    this.entries.set(entry.clientId, entry);
    this.transmit(entry, connection);
    return entry;
  }

  transmit(entry, connection) {
    const frame = { action: "message", content: entry.content, clientId: entry.clientId };
    if (entry.conversation) frame.conversation = entry.conversation;
    entry.status = connection.send(frame) ? "sending" : "waiting";
  }

  retry(clientId, connection) {
    const entry = this.entries.get(clientId);
    if (entry) this.transmit(entry, connection);
  }

  /** On a new connection: everything not refused goes again, with its own clientId. */
  resend(connection) {
    for (const entry of this.entries.values()) if (entry.status !== "failed") this.transmit(entry, connection);
  }

  /** The server stored it (its ack, or the message arriving any other way); true if it was ours. */
  stored(clientId) {
    return Boolean(clientId) && this.entries.delete(clientId);
  }

  /**
   * The entry an error frame refuses, marked failed; undefined when it refuses something else
   * (the server names a refused message by its clientId; a refused typing or read frame names none).
   */
  refused(frame, reason) {
    const entry = frame.clientId && this.entries.get(frame.clientId);
    if (!entry) return undefined;
    entry.status = "failed";
    entry.error = reason;
    return entry;
  }

  pendingIn(conversation) {
    return [...this.entries.values()].filter((entry) => entry.conversation === conversation);
  }
}
