"""The `/chat` page driven in Debian's Chromium through Playwright, as a person would use it."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, Response, WebSocket, expect

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "s3cret-pass"
WAIT_MS = 10_000  # the longest any step may take to show on the page
expect.set_options(timeout=WAIT_MS)  # for every expect() on a page, not only this module's
SCREENSHOTS: list[Path] = []  # taken in this test session, listed at its end


class ChatPage:
    """One person's tab on the chat page, in its own browser context (its own storage)."""

    def __init__(self, context: BrowserContext, page: Page, base_url: str) -> None:
        self.context = context
        self.page = page
        self.base_url = base_url
        self.username = ""  # once signed up or in
        self.outside_requests: list[str] = []
        self.transcript: list[str] = []  # WebSocket frames and console lines, for a failure's story
        page.on("request", self._note_request)
        page.on("websocket", self._note_websocket)
        page.on("console", lambda message: self._note(f"console {message.type}: {message.text}"))
        page.on("response", self._note_response)

    @classmethod
    async def open(cls, browser: Browser, base_url: str) -> ChatPage:
        context = await browser.new_context(viewport={"width": 1100, "height": 700})
        context.set_default_timeout(WAIT_MS)
        page = await context.new_page()
        chat = cls(context, page, base_url)
        await page.goto(f"{base_url}/chat")
        return chat

    def _note_request(self, request: object) -> None:
        url = str(getattr(request, "url", ""))
        if not url.startswith((self.base_url, "ws://127.0.0.1", "data:")):
            self.outside_requests.append(url)

    def _note(self, line: str) -> None:
        self.transcript.append(f"{time.monotonic():.3f} {line}")

    def _note_response(self, response: Response) -> None:
        if "/api/" in response.url:
            self._note(f"http {response.status} {response.request.method} {response.url.removeprefix(self.base_url)}")

    def _note_websocket(self, socket: WebSocket) -> None:
        self._note("websocket opened")
        socket.on("framesent", lambda payload: self._note(f"> {payload!s}"))
        socket.on("framereceived", lambda payload: self._note(f"< {payload!s}"))
        socket.on("close", lambda _: self._note("websocket closed"))

    def save_transcript(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.log"
        path.write_text("\n".join(self.transcript) + "\n")
        return path

    @property
    def status(self):  # type: ignore[no-untyped-def]
        return self.page.get_by_test_id("status")

    @property
    def auth_error(self):  # type: ignore[no-untyped-def]
        return self.page.get_by_test_id("auth-error")

    async def sign_up(self, username: str, password: str = PASSWORD) -> None:
        self.username = username
        self._note(f"signing up as {username}")
        await self.page.get_by_role("tab", name="Create account").click()
        form = self.page.get_by_role("form", name="Create account")
        await form.get_by_label("Username").fill(username)
        await form.get_by_label("Email").fill(f"{username}@example.com")
        await form.get_by_label("Password").fill(password)
        await form.get_by_role("button", name="Create account").click()

    async def sign_in(self, identifier: str, password: str = PASSWORD) -> None:
        self._note(f"signing in as {identifier}")
        form = self.page.get_by_role("form", name="Sign in")
        await form.get_by_label("Username or email").fill(identifier)
        await form.get_by_label("Password").fill(password)
        await form.get_by_role("button", name="Sign in").click()

    async def wait_connected(self) -> None:
        await expect(self.status).to_have_text("Connected", timeout=WAIT_MS)

    async def sign_out(self) -> None:
        await self.page.get_by_role("button", name="Sign out").click()
        await expect(self.page.get_by_role("form", name="Sign in")).to_be_visible()

    async def stored_keys(self) -> list[str]:
        return list(await self.page.evaluate("Object.keys(localStorage)"))

    def conversation(self, name: str):  # type: ignore[no-untyped-def]
        return self.page.get_by_test_id("conversation").filter(has_text=re.compile(rf"^\W*{re.escape(name)}"))

    async def start_direct(self, username: str) -> None:
        await self.page.get_by_role("button", name="New chat").click()
        await self.page.get_by_label("Find people by name").fill(username[:3])
        await self.page.get_by_test_id("user-result").filter(has_text=re.compile(f"^{re.escape(username)}$")).click()
        await expect(self.page.get_by_test_id("conversation-title")).to_have_text(username, timeout=WAIT_MS)

    async def create_group(self, title: str, usernames: list[str]) -> None:
        await self.page.get_by_role("button", name="New group").click()
        await self.page.get_by_label("Group name").fill(title)
        for username in usernames:
            await self.page.get_by_label("Find people by name").fill(username)
            await self.page.get_by_test_id("user-result").filter(has_text=re.compile(f"^{re.escape(username)}$")).click()
        await self.page.get_by_role("button", name="Create group").click()
        await expect(self.page.get_by_test_id("conversation-title")).to_have_text(title, timeout=WAIT_MS)

    async def open_conversation(self, name: str) -> None:
        await self.conversation(name).click()
        await expect(self.page.get_by_test_id("conversation-title")).to_have_text(name)

    async def send(self, text: str) -> None:
        box = self.page.get_by_role("textbox", name="Message")
        self._note(f"typing {text!r}")
        await box.fill(text)
        await box.press("Enter")

    async def expect_messages(self, texts: list[str]) -> None:
        """The open conversation shows exactly these messages, in this order, each once, all stored."""
        contents = self.page.get_by_test_id("message").locator(".content")
        await expect(contents).to_have_text(texts, timeout=WAIT_MS)
        await expect(self.page.get_by_test_id("pending")).to_have_count(0, timeout=WAIT_MS)

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path))
        SCREENSHOTS.append(path)
        return path
