// Entry point: the signed-in chat, or the sign-in page.
import { Api, register, signIn } from "./api.js";
import { renderAuth } from "./auth_view.js";
import { Chat } from "./chat.js";
import { clearSession, loadSession, saveSession } from "./storage.js";

const root = document.getElementById("app");

function showSignIn(notice) {
  clearSession();
  renderAuth(root, {
    notice,
    signIn: async (form) => begin(await signIn(form.get("identifier"), form.get("password"))),
    signUp: async (form) => begin(await register(form.get("username"), form.get("email"), form.get("password"))),
  });
}

async function begin({ jwt, user }) {
  saveSession(jwt, user);
  const chat = new Chat(root, new Api(jwt), user, { onSignedOut: showSignIn });
  await chat.start();
}

async function boot() {
  const session = loadSession();
  if (!session) return showSignIn();
  try {
    const me = await new Api(session.jwt).me();
    await begin({ jwt: session.jwt, user: me });
  } catch (failure) {
    if (failure.status === 401) return showSignIn("Your session has ended. Please sign in again.");
    await begin(session); // the server is unreachable: show the chat, it connects when the server is back
  }
}

boot();
