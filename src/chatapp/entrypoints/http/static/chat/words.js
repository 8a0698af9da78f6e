// What the person reads when something goes wrong: every server code, HTTP status and close code in words.

const FRAME_ERRORS = {
  rate_limited: "Not sent: you are sending too fast. Wait a moment, then retry.",
  unavailable: "Not sent: the server cannot store messages right now. Retry in a moment.",
  forbidden: "Refused: you are not allowed to do that here.",
  unauthenticated: "Your session has ended. Please sign in again.",
  empty_message: "Not sent: a message cannot be empty.",
  message_too_long: "Not sent: this message is too long.",
  invalid_frame: "The server refused a request from this page",
  invalid_json: "The server could not read a request from this page",
  unknown_action: "The server does not know this request (it may be an older version)",
};

export function frameErrorText(code, detail) {
  const text = FRAME_ERRORS[code] ?? `The server refused a request (${code})`;
  return code in FRAME_ERRORS && !["invalid_frame", "invalid_json", "unknown_action"].includes(code)
    ? text
    : `${text}: ${detail}`;
}

export function httpErrorText(status, message) {
  if (status === 0) return "Cannot reach the server. Check your connection and try again.";
  if (status === 429) return "Too many attempts. Wait a minute, then try again.";
  if (status === 401) return "Your session has ended. Please sign in again.";
  if (status === 404 || status === 405) return message || "This server does not offer that yet.";
  if (status === 413) return "That is too large for the server.";
  if (status >= 500) return "The server is unavailable right now. Try again in a moment.";
  return message || `The server refused this (HTTP ${status}).`;
}

export function closeText(code) {
  switch (code) {
    case 1001:
    case 1012:
      return "The server is restarting. Reconnecting…";
    case 1008:
      return "The server refused the connection.";
    case 1009:
      return "A message was too large for the server. Reconnecting…";
    case 1013:
      return "The connection could not keep up. Reconnecting…";
    default:
      return "Connection lost. Reconnecting…";
  }
}
