// The sign-in / create-account page.
import { h } from "./dom.js";

export function renderAuth(root, { signIn, signUp, notice }) {
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "auth-error" }, notice ?? "");
  const busy = async (form, action) => {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.textContent = "";
    try {
      await action(new FormData(form));
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  };
  const field = (label, name, type, autocomplete, extra = {}) =>
    h("label", {}, label, h("input", { name, type, autocomplete, required: true, ...extra }));

  const signInForm = h(
    "form",
    { class: "auth-form", "aria-label": "Sign in", onsubmit: (e) => (e.preventDefault(), busy(e.target, signIn)) },
    field("Username or email", "identifier", "text", "username"),
    field("Password", "password", "password", "current-password"),
    h("button", { type: "submit" }, "Sign in"),
  );
  const signUpForm = h(
    "form",
    { class: "auth-form", "aria-label": "Create account", hidden: true, onsubmit: (e) => (e.preventDefault(), busy(e.target, signUp)) },
    field("Username", "username", "text", "username", { minlength: "3" }),
    field("Email", "email", "email", "email"),
    field("Password", "password", "password", "new-password", { minlength: "6" }),
    h("button", { type: "submit" }, "Create account"),
  );
  const tab = (label, show, hide) =>
    h("button", {
      type: "button",
      role: "tab",
      class: "tab",
      onclick: (event) => {
        show.hidden = false;
        hide.hidden = true;
        error.textContent = "";
        for (const other of event.target.parentElement.children) other.setAttribute("aria-selected", other === event.target);
      },
    }, label);
  const tabs = h("div", { class: "tabs", role: "tablist" }, tab("Sign in", signInForm, signUpForm), tab("Create account", signUpForm, signInForm));
  tabs.firstChild.setAttribute("aria-selected", "true");

  root.replaceChildren(
    h("section", { class: "auth" },
      h("h1", {}, "chatapp"),
      h("p", { class: "tagline" }, "Talk to people, live."),
      tabs, signInForm, signUpForm, error),
  );
}
