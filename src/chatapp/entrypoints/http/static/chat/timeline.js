// The messages of one conversation, each once, in seq order (or id order in the personal stream).

/** One shape for a message, from a REST chatSession or a WebSocket message frame. */
export function normalize(raw, me) {
  return {
    id: raw.id,
    documentId: raw.documentId,
    conversation: raw.conversation ?? null,
    seq: raw.seq ?? null,
    content: raw.content ?? raw.message ?? "",
    timestamp: raw.timestamp,
    clientId: raw.clientId ?? null,
    user: raw.user ?? { id: me.id, documentId: me.documentId, username: me.username },
    deleted: false,
    edited: false,
  };
}

export class Timeline {
  constructor() {
    this.byPosition = new Map();
    this.loaded = false; // history fetched at least once
    this.complete = false; // nothing older left to fetch
  }

  static position(message) {
    return message.seq ?? message.id;
  }

  /** Adds a message unless it is already here; true if it was new. */
  add(message) {
    const position = Timeline.position(message);
    if (this.byPosition.has(position)) return false;
    this.byPosition.set(position, message);
    return true;
  }

  get(position) {
    return this.byPosition.get(position);
  }

  get highest() {
    let highest = 0;
    for (const position of this.byPosition.keys()) highest = Math.max(highest, position);
    return highest;
  }

  get lowest() {
    let lowest = Infinity;
    for (const position of this.byPosition.keys()) lowest = Math.min(lowest, position);
    return lowest === Infinity ? undefined : lowest;
  }

  ordered() {
    return [...this.byPosition.values()].sort((a, b) => Timeline.position(a) - Timeline.position(b));
  }
}
