// The chat itself: conversations, live messages, typing, presence and read markers (SPEC 9),
// kept whole across reconnects: resume from the last seq of each conversation, dedupe by
// conversation + seq, and re-send unacknowledged messages with their clientId (idempotent).
import { Connection } from "./connection.js";
import { ChatView, NOTES } from "./chat_view.js";
import { Outbox } from "./outbox.js";
import { Timeline, normalize } from "./timeline.js";
import { Typists } from "./typists.js";
import { frameErrorText } from "./words.js";

const TYPING_SEND_EVERY_MS = 2500;

export class Chat {
  constructor(root, api, me, { onSignedOut }) {
    this.api = api;
    this.me = me;
    this.onSignedOut = onSignedOut;
    this.conversations = new Map();
    this.timelines = new Map();
    this.outbox = new Outbox();
    this.online = new Map(); // userDocumentId -> true | false, once the server has said
    this.typists = new Typists(() => this.renderTyping());
    this.seen = new Map(); // conversation -> highest seq another member has read
    this.current = null;
    this.hasConversations = true;
    this.lastTypingSent = 0;
    this.view = new ChatView(root, me, {
      open: (id) => this.open(id),
      send: (text) => this.send(text),
      retry: (clientId) => this.retry(clientId),
      typing: () => this.sendTyping(),
      loadOlder: () => this.loadOlder(),
      pickPeople: (mode) => this.pickPeople(mode),
      signOut: () => this.signOut(),
    });
    api.onUnauthorized = () => this.signOut("Your session has ended. Please sign in again.");
    this.connection = new Connection(api.token);
    this.connection.addEventListener("status", (e) => this.view.showStatus(e.detail));
    this.connection.addEventListener("open", () => this.connected());
    this.connection.addEventListener("frame", (e) => this.receive(e.detail));
    this.connection.addEventListener("refused", (e) => this.refused(e.detail));
    document.addEventListener("visibilitychange", () => this.markRead());
  }

  async start() {
    await this.loadConversations();
    this.connection.start();
  }

  // ---- conversations -------------------------------------------------------------------------

  async loadConversations() {
    try {
      const list = await this.api.conversations();
      for (const conversation of list) this.upsert(conversation);
    } catch (failure) {
      if (!failure.missing) return this.view.alert(`Could not load your conversations: ${failure.message}`);
      this.hasConversations = false;
      this.view.showNotice("This server does not offer conversations yet, so there is nobody to talk to: your messages go to your own notes.");
      this.view.newChat.disabled = this.view.newGroup.disabled = true;
      this.conversations.set(NOTES, { documentId: NOTES, kind: "notes", members: [this.me], unread: 0, lastSeq: 0 });
      this.renderList();
      return this.open(NOTES);
    }
    this.renderList();
  }

  /**
   * A conversation as the server sees it for this person (a REST answer). Its unread count and last
   * message are as of its lastSeq: messages this page received above that seq (live ones that
   * crossed the request) count on top, and messages up to it are never counted again.
   */
  upsert(snapshot) {
    const id = snapshot.documentId;
    const known = this.conversations.get(id);
    const merged = { ...known, ...snapshot };
    if (known && (known.lastSeq ?? 0) > (snapshot.lastSeq ?? 0)) {
      merged.lastSeq = known.lastSeq;
      merged.lastMessage = known.lastMessage;
      merged.unread = (snapshot.unread ?? 0) + this.unreadAbove(id, snapshot.lastSeq ?? 0);
    }
    if ((known?.readSent ?? 0) >= (merged.lastSeq ?? 0)) merged.unread = 0; // read here meanwhile
    this.conversations.set(id, merged);
    if (id === this.current) this.renderPane();
  }

  /** Messages of others above `seq` (and above what this page marked read) that this page holds. */
  unreadAbove(id, seq) {
    const from = Math.max(seq, this.conversations.get(id)?.readSent ?? 0);
    const mine = (message) => message.user?.documentId === this.me.documentId;
    return (this.timelines.get(id)?.ordered() ?? []).filter((m) => m.seq > from && !mine(m)).length;
  }

  /**
   * A conversation frame's news: its kind, title and members. Its `unread` and `lastMessage` are
   * not this person's (the frame is the same for every member), so those come from the server's
   * answer for this person, or stay as this page counted them.
   */
  async reshape(conversation) {
    const id = conversation.documentId;
    const known = this.conversations.get(id);
    if (known) {
      const { kind, title, members, updatedAt } = conversation;
      Object.assign(known, { kind, title, members, updatedAt });
      this.renderList();
      if (id === this.current) this.renderPane();
      return;
    }
    this.conversations.set(id, { ...conversation, unread: 0, lastMessage: null });
    try {
      this.upsert(await this.api.conversation(id));
    } catch (failure) {
      if (failure.status !== 404) this.view.alert(`Could not load a conversation you were added to: ${failure.message}`);
    }
    this.renderList();
  }

  sortedConversations() {
    const activity = (c) => c.lastMessage?.timestamp ?? c.updatedAt ?? c.createdAt ?? "";
    return [...this.conversations.values()].sort((a, b) => activity(b).localeCompare(activity(a)));
  }

  timeline(id) {
    if (!this.timelines.has(id)) this.timelines.set(id, new Timeline());
    return this.timelines.get(id);
  }

  async open(id) {
    this.current = id;
    this.renderList();
    this.renderPane();
    const timeline = this.timeline(id);
    if (!timeline.loaded) await this.loadHistory(id);
    this.view.scrollToEnd();
    this.markRead();
    this.view.input.focus();
  }

  async loadHistory(id, beforeSeq) {
    const timeline = this.timeline(id);
    try {
      const page = id === NOTES ? await this.api.notes() : await this.api.messages(id, { beforeSeq });
      for (const raw of page) timeline.add(normalize(raw, this.me));
      timeline.loaded = true;
      timeline.complete = id === NOTES || page.length < 50;
    } catch (failure) {
      this.view.alert(`Could not load the messages: ${failure.message}`);
    }
    if (id === this.current) this.renderPane();
  }

  loadOlder() {
    if (this.current) return this.loadHistory(this.current, this.timeline(this.current).lowest);
  }

  /** Fetches what a gap in seq is missing (a live message arrived ahead of the ones before it). */
  async fillGap(id, afterSeq) {
    try {
      const page = await this.api.messages(id, { afterSeq, pageSize: 100 });
      for (const raw of page) this.timeline(id).add(normalize(raw, this.me));
      if (id === this.current) this.renderPane();
    } catch (failure) {
      this.view.alert(`Some messages could not be loaded: ${failure.message}`);
    }
  }

  async pickPeople(mode) {
    const find = async (prefix) => {
      try {
        return await this.api.findUsers(prefix);
      } catch (failure) {
        throw failure.missing ? new Error("Finding people is not available on this server yet.") : failure;
      }
    };
    const submit = async ({ title, users }) => {
      const refs = users.map((user) => user.documentId);
      if (refs.length === 0) throw new Error(mode === "direct" ? "Pick someone from the list." : "Pick at least one person from the list.");
      let conversation;
      if (mode === "direct") conversation = await this.api.startDirect(refs[0]);
      else if (mode === "group") {
        if (!title) throw new Error("Give the group a name.");
        conversation = await this.api.createGroup(title, refs);
      } else conversation = await this.api.addMembers(this.current, refs);
      this.upsert(conversation);
      this.renderList();
      return conversation.documentId;
    };
    this.view.pick(mode, find, submit);
  }

  // ---- the connection ------------------------------------------------------------------------

  /** After every welcome: catch up on each conversation, then re-send what was never acknowledged. */
  connected() {
    if (this.hasConversations && this.conversations.size > 0) {
      const after = {};
      for (const [id, conversation] of this.conversations) {
        const timeline = this.timelines.get(id);
        after[id] = timeline?.loaded ? timeline.highest : conversation.lastSeq ?? 0;
      }
      this.connection.send({ action: "resume", after });
    }
    if (!this.hasConversations && this.timeline(NOTES).loaded) this.loadHistory(NOTES);
    this.outbox.resend(this.connection);
    if (this.reconnected) this.refreshConversations();
    this.reconnected = true;
  }

  async refreshConversations() {
    if (!this.hasConversations) return;
    try {
      for (const conversation of await this.api.conversations()) this.upsert(conversation);
      this.renderList();
    } catch (failure) {
      this.view.alert(`Could not refresh your conversations: ${failure.message}`);
    }
  }

  refused({ unauthenticated, lastError }) {
    if (unauthenticated) return this.signOut("Your session has ended. Please sign in again.");
    this.view.alert(lastError === "rate_limited"
      ? "The server closed the connection: this page sent too much, too fast. Reload the page to reconnect."
      : "The server refused this page's connection (its origin may not be allowed).");
  }

  receive(frame) {
    switch (frame.action) {
      case "message": return this.received(frame);
      case "typing": return this.someoneTyping(frame);
      case "read": return this.someoneRead(frame);
      case "presence": return this.presence(frame);
      case "conversation": return this.conversationEvent(frame);
      case "edited":
      case "deleted": return this.changed(frame);
      case "error": return this.refusal(frame);
      default: return undefined; // resumed, pong: nothing to show
    }
  }

  received(frame) {
    const message = normalize(frame, this.me);
    const id = message.conversation ?? NOTES;
    const mine = message.user.documentId === this.me.documentId;
    if (mine) this.outbox.stored(message.clientId);
    const timeline = this.timeline(id);
    const before = timeline.highest;
    if (!timeline.add(message)) return this.renderPane();
    const conversation = this.conversations.get(id);
    if (!conversation) return this.refreshConversations(); // a conversation we were just added to
    const counted = conversation.lastSeq ?? 0; // seqs up to here are in `unread` already (see upsert)
    conversation.lastSeq = Math.max(counted, message.seq ?? 0);
    if (!conversation.lastMessage || (message.seq ?? 0) >= (conversation.lastMessage.seq ?? 0)) conversation.lastMessage = message;
    const reading = id === this.current && document.visibilityState === "visible";
    if (!mine && !reading && message.seq > counted) conversation.unread = (conversation.unread ?? 0) + 1;
    if (message.seq && timeline.loaded && before > 0 && message.seq > before + 1) this.fillGap(id, before);
    this.typists.stopped(id, message.user.documentId);
    this.renderList();
    if (id === this.current) {
      this.renderPane();
      this.markRead();
    }
  }

  refusal(frame) {
    const text = frameErrorText(frame.code, frame.content);
    // A listed conversation not found: this person left or was removed while the page was away, so
    // the `removed` frame went to a connection that was gone (a resume after a reconnect says so).
    const gone = frame.code === "not_found" ? this.conversations.get(frame.conversation) : undefined;
    if (this.outbox.refused(frame, text)) this.renderPane();
    else if (!gone) this.view.alert(text);
    if (gone) this.conversationEvent({ event: "removed", conversation: gone });
  }

  someoneTyping({ conversation, user }) {
    if (user && user.documentId !== this.me.documentId) this.typists.typing(conversation, user);
  }

  someoneRead({ conversation, user, seq }) {
    if (user?.documentId === this.me.documentId) { // read in another tab of mine
      const known = this.conversations.get(conversation);
      if (known) known.readSent = Math.max(known.readSent ?? 0, seq);
      if (known && seq >= (known.lastSeq ?? 0)) known.unread = 0;
      return this.renderList();
    }
    this.seen.set(conversation, Math.max(this.seen.get(conversation) ?? 0, seq));
    if (conversation === this.current) this.renderPane();
  }

  presence({ user, online }) {
    if (!user) return;
    this.online.set(user.documentId, Boolean(online));
    this.renderList();
    this.renderPane();
  }

  conversationEvent({ event, conversation }) {
    if (event === "removed") {
      this.conversations.delete(conversation.documentId);
      if (this.current === conversation.documentId) this.current = null;
      this.view.alert(`You are no longer in ${conversation.title || "a conversation"}.`);
      this.renderList();
      return this.renderPane();
    }
    return this.reshape(conversation);
  }

  changed(frame) {
    const message = this.timelines.get(frame.conversation)?.get(frame.seq);
    if (!message) return;
    if (frame.action === "deleted") message.deleted = true;
    else {
      message.content = frame.content ?? message.content;
      message.edited = true;
    }
    if (frame.conversation === this.current) this.renderPane();
  }

  // ---- sending -------------------------------------------------------------------------------

  send(text) {
    if (!text.trim() || !this.current) return false;
    this.outbox.add(this.current === NOTES ? null : this.current, text, this.connection);
    this.renderPane();
    return true;
  }

  retry(clientId) {
    this.outbox.retry(clientId, this.connection);
    this.renderPane();
  }

  sendTyping() {
    if (!this.hasConversations || !this.current || Date.now() - this.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    if (this.connection.send({ action: "typing", conversation: this.current })) this.lastTypingSent = Date.now();
  }

  /** Moves the read marker of the open conversation to its last message (one request at a time). */
  async markRead() {
    const id = this.current;
    const conversation = id && this.conversations.get(id);
    if (!conversation || id === NOTES || document.visibilityState !== "visible") return;
    if (this.marking) return void (this.markAgain = true);
    const seq = this.timeline(id).highest;
    if (seq === 0 || seq <= (conversation.readSent ?? 0)) return;
    conversation.readSent = seq;
    conversation.unread = 0;
    this.renderList();
    this.marking = true;
    try {
      await this.api.markRead(id, seq);
    } catch (failure) {
      if (!failure.missing) this.view.alert(`Could not mark the conversation as read: ${failure.message}`);
    } finally {
      this.marking = false;
    }
    if (this.markAgain) {
      this.markAgain = false;
      this.markRead();
    }
  }

  signOut(notice) {
    if (this.signedOut) return;
    this.signedOut = true;
    this.connection.stop();
    this.onSignedOut(notice);
  }

  // ---- rendering -----------------------------------------------------------------------------

  renderList() {
    this.view.renderList(this.sortedConversations(), this.current, this.online);
  }

  renderPane() {
    const conversation = this.current && this.conversations.get(this.current);
    this.view.renderHeader(conversation, this.online);
    if (!conversation) return;
    const timeline = this.timeline(this.current);
    const pending = this.outbox.pendingIn(this.current === NOTES ? null : this.current);
    this.view.renderMessages(timeline.ordered(), pending, {
      canLoadOlder: timeline.loaded && !timeline.complete,
      seenSeq: this.seen.get(this.current),
    });
    this.renderTyping();
  }

  renderTyping() {
    this.view.showTyping(this.typists.names(this.current));
  }
}
