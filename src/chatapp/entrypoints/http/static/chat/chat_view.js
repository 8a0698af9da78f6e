// The two-pane chat page: conversations on the left, the open conversation on the right.
import { clockTime, h } from "./dom.js";

export const NOTES = "notes";

export function conversationName(conversation, me) {
  if (conversation.documentId === NOTES) return "Notes to self";
  if (conversation.kind === "group") return conversation.title || "Untitled group";
  const other = conversation.members?.find((member) => member.documentId !== me.documentId);
  return other?.username ?? "Direct message";
}

function otherMember(conversation, me) {
  return conversation.kind === "direct" ? conversation.members?.find((m) => m.documentId !== me.documentId) : null;
}

function presenceText(online) {
  if (online === undefined) return "Direct message";
  return online ? "online" : "offline";
}

export class ChatView {
  constructor(root, me, actions) {
    this.me = me;
    this.actions = actions;
    this.status = h("p", { class: "status", "data-testid": "status", "data-state": "connecting" }, "Connecting…");
    this.notice = h("p", { class: "notice", "data-testid": "notice", hidden: true });
    this.list = h("ul", { class: "conversations", "data-testid": "conversations", "aria-label": "Conversations" });
    this.newChat = h("button", { type: "button", onclick: () => actions.pickPeople("direct") }, "New chat");
    this.newGroup = h("button", { type: "button", onclick: () => actions.pickPeople("group") }, "New group");
    this.title = h("h2", { "data-testid": "conversation-title" });
    this.subtitle = h("p", { class: "subtitle" });
    this.addPeople = h("button", { type: "button", class: "quiet", hidden: true, onclick: () => actions.pickPeople("add") }, "Add people");
    this.alerts = h("div", { class: "alerts", role: "alert", "data-testid": "alerts" });
    this.older = h("button", { type: "button", class: "quiet older", hidden: true, onclick: () => actions.loadOlder() }, "Load earlier messages");
    this.messages = h("ol", { class: "messages", "data-testid": "messages", "aria-label": "Messages" });
    this.scroller = h("div", { class: "scroller" }, this.older, this.messages);
    this.typing = h("p", { class: "typing", "data-testid": "typing" });
    this.input = h("textarea", {
      name: "content", rows: "1", placeholder: "Write a message", "aria-label": "Message",
      oninput: () => actions.typing(),
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          this.composer.requestSubmit();
        }
      },
    });
    this.composer = h("form", {
      class: "composer",
      onsubmit: (event) => {
        event.preventDefault();
        if (actions.send(this.input.value)) this.input.value = "";
        this.input.focus();
      },
    }, this.input, h("button", { type: "submit" }, "Send"));
    this.pane = h("section", { class: "pane", hidden: true },
      h("header", { class: "pane-header" }, h("div", {}, this.title, this.subtitle), this.addPeople),
      this.scroller, this.typing, this.composer);
    this.empty = h("section", { class: "pane empty" }, h("p", {}, "Pick a conversation, or start one with New chat."));
    this.dialog = h("dialog", { class: "picker" });

    root.replaceChildren(
      h("div", { class: "layout" },
        h("aside", { class: "sidebar" },
          h("header", { class: "me" },
            h("div", {}, h("strong", { "data-testid": "me" }, me.username), this.status),
            h("button", { type: "button", class: "quiet", onclick: () => actions.signOut() }, "Sign out")),
          h("div", { class: "actions" }, this.newChat, this.newGroup),
          this.notice, this.list),
        h("div", { class: "main" }, this.alerts, this.empty, this.pane),
        this.dialog),
    );
  }

  showStatus({ state, text }) {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  showNotice(text) {
    this.notice.hidden = !text;
    this.notice.textContent = text ?? "";
  }

  alert(text) {
    const item = h("p", { class: "alert" }, h("span", {}, text),
      h("button", { type: "button", class: "quiet", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"));
    this.alerts.append(item);
    while (this.alerts.children.length > 3) this.alerts.firstChild.remove();
  }

  renderList(conversations, currentId, online) {
    this.list.replaceChildren(...conversations.map((conversation) => {
      const other = otherMember(conversation, this.me);
      const last = conversation.lastMessage;
      return h("li", {},
        h("button", {
          type: "button",
          class: `conversation${conversation.documentId === currentId ? " current" : ""}`,
          "data-testid": "conversation",
          "data-conversation": conversation.documentId,
          onclick: () => this.actions.open(conversation.documentId),
        },
        h("span", { class: "name" },
          other ? h("span", { class: `presence${online.get(other.documentId) ? " online" : ""}`, title: presenceText(online.get(other.documentId)) }) : null,
          conversationName(conversation, this.me)),
        conversation.unread > 0 ? h("span", { class: "unread", "data-testid": "unread", "aria-label": `${conversation.unread} unread` }, String(conversation.unread)) : null,
        h("span", { class: "preview" }, last ? `${last.user?.username === this.me.username ? "You" : last.user?.username ?? ""}: ${last.content ?? last.message ?? ""}` : "No messages yet")));
    }));
  }

  renderHeader(conversation, online) {
    this.empty.hidden = Boolean(conversation);
    this.pane.hidden = !conversation;
    if (!conversation) return;
    this.title.textContent = conversationName(conversation, this.me);
    const members = conversation.members ?? [];
    const other = otherMember(conversation, this.me);
    this.subtitle.textContent = conversation.documentId === NOTES
      ? "Only you see these."
      : other
        ? presenceText(online.get(other.documentId))
        : members.map((m) => m.username + (online.get(m.documentId) ? " (online)" : "")).join(", ");
    this.addPeople.hidden = conversation.kind !== "group";
  }

  /** Messages in order, then this page's own messages not acknowledged yet. */
  renderMessages(messages, pending, { canLoadOlder, seenSeq }) {
    const stick = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 40;
    this.older.hidden = !canLoadOlder;
    const mine = (message) => message.user?.documentId === this.me.documentId;
    const items = messages.map((message) =>
      h("li", {
        class: `message${mine(message) ? " mine" : ""}${message.deleted ? " deleted" : ""}`,
        "data-testid": "message",
        "data-seq": message.seq ?? "",
      },
      h("span", { class: "author" }, mine(message) ? "You" : message.user?.username ?? "?"),
      h("span", { class: "content" }, message.deleted ? "Message deleted" : message.content),
      h("span", { class: "meta" }, clockTime(message.timestamp), message.edited ? " · edited" : "",
        mine(message) && seenSeq && message.seq && message.seq <= seenSeq ? " · seen" : "")));
    const waiting = pending.map((entry) =>
      h("li", { class: `message mine pending ${entry.status}`, "data-testid": "pending" },
        h("span", { class: "author" }, "You"),
        h("span", { class: "content" }, entry.content),
        h("span", { class: "meta" },
          entry.status === "failed" ? `${entry.error} ` : entry.status === "waiting" ? "Waiting for the connection…" : "Sending…",
          entry.status === "failed" ? h("button", { type: "button", class: "quiet", onclick: () => this.actions.retry(entry.clientId) }, "Retry") : null)));
    this.messages.replaceChildren(...items, ...waiting);
    if (stick) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  showTyping(names) {
    this.typing.textContent = names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
  }

  /**
   * The people picker: `mode` is "direct" (one person), "group" (title + people) or "add" (people).
   * `submit` resolves to the conversation made (or changed); the picker closes before that
   * conversation opens: while the modal picker is open the rest of the page is inert, and what
   * the person types next must reach the composer, not the picker's search box.
   */
  pick(mode, find, submit) {
    const chosen = new Map();
    const results = h("ul", { class: "results", "data-testid": "user-results" });
    const chips = h("div", { class: "chips" });
    const error = h("p", { class: "form-error", role: "alert" });
    const title = h("input", { name: "title", placeholder: "Group name", "aria-label": "Group name", required: true, maxlength: "100" });
    const search = h("input", { type: "search", placeholder: "Find people by name", "aria-label": "Find people by name", autocomplete: "off" });
    const fail = (failure) => (error.textContent = failure.message);
    const done = (conversationId) => {
      this.dialog.close();
      this.actions.open(conversationId);
    };
    const choose = (user) => {
      if (mode === "direct") return submit({ users: [user] }).then(done, fail);
      chosen.set(user.documentId, user);
      chips.replaceChildren(...[...chosen.values()].map((u) => h("span", { class: "chip" }, u.username)));
    };
    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      const prefix = search.value.trim();
      if (!prefix) return results.replaceChildren();
      timer = setTimeout(async () => {
        try {
          error.textContent = "";
          const users = (await find(prefix)).filter((user) => user.documentId !== this.me.documentId);
          results.replaceChildren(...(users.length ? users.map((user) =>
            h("li", {}, h("button", { type: "button", "data-testid": "user-result", onclick: () => choose(user) }, user.username)))
            : [h("li", { class: "none" }, "Nobody by that name")]));
        } catch (failure) {
          fail(failure);
        }
      }, 200);
    });
    const heading = { direct: "New chat", group: "New group", add: "Add people" }[mode];
    const confirm = mode === "direct" ? null : h("button", { type: "submit" }, mode === "group" ? "Create group" : "Add");
    this.dialog.replaceChildren(h("form", {
      method: "dialog",
      onsubmit: (event) => {
        if (event.submitter?.value === "cancel") return;
        event.preventDefault();
        submit({ title: title.value.trim(), users: [...chosen.values()] }).then(done, fail);
      },
    },
    h("h2", {}, heading), mode === "group" ? title : null, search, chips, results, error,
    h("div", { class: "dialog-actions" }, h("button", { type: "submit", value: "cancel", class: "quiet", formnovalidate: true }, "Cancel"), confirm)));
    this.dialog.showModal();
    (mode === "group" ? title : search).focus();
  }
}
