// Who is typing where: each typing frame counts for a few seconds, or until that person's message arrives.

const SHOWN_MS = 4000;

export class Typists {
  constructor(onChange) {
    this.byConversation = new Map(); // conversation -> Map(userDocumentId -> {username, until})
    this.onChange = onChange;
  }

  typing(conversation, user) {
    if (!this.byConversation.has(conversation)) this.byConversation.set(conversation, new Map());
    this.byConversation.get(conversation).set(user.documentId, { username: user.username, until: Date.now() + SHOWN_MS });
    this.onChange();
    setTimeout(() => this.onChange(), SHOWN_MS + 50);
  }

  stopped(conversation, userDocumentId) {
    if (this.byConversation.get(conversation)?.delete(userDocumentId)) this.onChange();
  }

  names(conversation) {
    const now = Date.now();
    const typists = this.byConversation.get(conversation);
    return typists ? [...typists.values()].filter((t) => t.until > now).map((t) => t.username) : [];
  }
}
