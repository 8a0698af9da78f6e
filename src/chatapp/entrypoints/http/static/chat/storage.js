// The signed-in session, kept once in localStorage and removed on sign-out.
const KEY = "chatapp.session";

export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return session && typeof session.jwt === "string" ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(jwt, user) {
  localStorage.setItem(KEY, JSON.stringify({ jwt, user }));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}
