// The REST routes this page uses (Strapi v5 shapes, SPEC sections 4 and 9), with errors as ApiError.
import { httpErrorText } from "./words.js";

export class ApiError extends Error {
  constructor(status, name, message) {
    super(httpErrorText(status, message));
    this.status = status;
    this.name = name;
  }

  /** The route does not exist on this server (yet): the feature is missing, not broken. */
  get missing() {
    return this.status === 404 || this.status === 405;
  }
}

async function request(method, path, { token, body } = {}) {
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "NetworkError", "");
  }
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.name ?? "HttpError", error.message ?? "");
  }
  return payload;
}

const query = (params) => new URLSearchParams(params).toString();

export const register = (username, email, password) =>
  request("POST", "/api/auth/local/register", { body: { username, email, password } });

export const signIn = (identifier, password) =>
  request("POST", "/api/auth/local", { body: { identifier, password } });

/** The calls that need the signed-in user's token. */
export class Api {
  constructor(token) {
    this.token = token;
  }

  /** `onUnauthorized` (if set) hears of a 401: the token expired or was revoked. */
  async call(method, path, body) {
    try {
      return await request(method, path, { token: this.token, body });
    } catch (failure) {
      if (failure.status === 401) this.onUnauthorized?.();
      throw failure;
    }
  }

  me() {
    return this.call("GET", "/api/users/me");
  }

  async conversations() {
    const page = await this.call("GET", `/api/conversations?${query({ "pagination[pageSize]": 100 })}`);
    return page.data;
  }

  async conversation(documentId) {
    return (await this.call("GET", `/api/conversations/${encodeURIComponent(documentId)}`)).data;
  }

  async findUsers(prefix) {
    const found = await this.call("GET", `/api/users?${query({ "filters[username][$startsWith]": prefix })}`);
    return Array.isArray(found) ? found : found?.data ?? [];
  }

  async startDirect(user) {
    return (await this.call("POST", "/api/conversations", { data: { kind: "direct", members: [user] } })).data;
  }

  async createGroup(title, members) {
    return (await this.call("POST", "/api/conversations", { data: { kind: "group", title, members } })).data;
  }

  async addMembers(conversation, users) {
    return (await this.call("POST", `/api/conversations/${conversation}/members`, { data: { users } })).data;
  }

  markRead(conversation, seq) {
    return this.call("PUT", `/api/conversations/${conversation}/read`, { data: { seq } });
  }

  /** Messages of a conversation, newest first: `beforeSeq` pages back, `afterSeq` fills a gap. */
  async messages(conversation, { beforeSeq, afterSeq, pageSize = 50 } = {}) {
    const params = {
      "filters[conversation][documentId][$eq]": conversation,
      sort: "seq:desc",
      "pagination[pageSize]": pageSize,
    };
    if (beforeSeq !== undefined) params["filters[seq][$lt]"] = beforeSeq;
    if (afterSeq !== undefined) params["filters[seq][$gt]"] = afterSeq;
    return (await this.call("GET", `/api/chat-sessions?${query(params)}`)).data;
  }

  /** The caller's own stream (no conversation): the seed app's behaviour. */
  async notes() {
    const params = { sort: "timestamp:desc", "filters[kind][$eq]": "message", "pagination[pageSize]": 50 };
    return (await this.call("GET", `/api/chat-sessions?${query(params)}`)).data;
  }
}
