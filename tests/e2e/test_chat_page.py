"""The `/chat` page in a real browser against a real `chatapp serve`: accounts, errors in words, reconnects.

These need no conversations (SPEC 9); the conversation ones (live DM, group, offline reader,
restart, unread counts) are in test_chat_conversations.py. The tests share one browser and, but
for the two that need a server of their own, one server: each signs up people of its own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.e2e.chat_page import WAIT_MS, ChatPage
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]
_tests = itertools.count(1)


class Tabs:
    """The pages one test opens, each in a browser context of its own, closed after the test;
    `alice` in a test is `alice<n>` on the shared server."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.number = next(_tests)
        self.pages: list[ChatPage] = []

    def username(self, name: str) -> str:
        return f"{name}{self.number}"

    async def open(self, server: ChatServer) -> ChatPage:
        page = await ChatPage.open(self.browser, server.http_url)
        self.pages.append(page)
        return page

    async def close(self) -> None:
        for page in self.pages:
            await page.context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(start_module_server: ServerFactory) -> ChatServer:
    """The module's shared server, with the default e2e settings."""
    return await start_module_server()


@pytest_asyncio.fixture(loop_scope="module")
async def tabs(module_browser: Browser) -> AsyncIterator[Tabs]:
    opened = Tabs(module_browser)
    yield opened
    await opened.close()


async def test_a_newcomer_signs_up_and_stays_signed_in_until_signing_out(
    tabs: Tabs, server: ChatServer
) -> None:
    alice = await tabs.open(server)

    await alice.sign_up(tabs.username("alice"))
    await alice.wait_connected()
    await expect(alice.page.get_by_test_id("me")).to_have_text(alice.username)
    print(f"screenshot: {await alice.screenshot('signed-up')}")
    assert await alice.stored_keys() == ["chatapp.session"]

    await alice.page.reload()
    await alice.wait_connected()
    await expect(alice.page.get_by_test_id("me")).to_have_text(alice.username)

    await alice.sign_out()
    assert await alice.stored_keys() == []
    await alice.page.reload()
    await expect(alice.page.get_by_role("form", name="Sign in")).to_be_visible()


async def test_the_page_loads_nothing_from_anywhere_else(tabs: Tabs, server: ChatServer) -> None:
    alice = await tabs.open(server)
    await alice.sign_up(tabs.username("alice"))
    await alice.wait_connected()

    assert alice.outside_requests == []


async def test_signing_in_again_works_and_a_wrong_password_is_explained(
    tabs: Tabs, server: ChatServer
) -> None:
    alice = await tabs.open(server)
    await alice.sign_up(tabs.username("alice"))
    await alice.wait_connected()
    await alice.sign_out()

    await alice.sign_in(alice.username, "not the password")
    await expect(alice.auth_error).to_have_text("Invalid identifier or password")
    await alice.screenshot("sign-in-refused")

    await alice.sign_in(f"{alice.username.upper()}@example.com")
    await alice.wait_connected()


async def test_a_taken_username_is_explained(tabs: Tabs, server: ChatServer) -> None:
    first = await tabs.open(server)
    await first.sign_up(tabs.username("alice"))
    await first.wait_connected()
    second = await tabs.open(server)

    await second.sign_up(first.username.capitalize())

    await expect(second.auth_error).to_have_text("Email or Username are already taken")


async def test_too_many_sign_in_attempts_are_explained(tabs: Tabs, start_module_server: ServerFactory) -> None:
    server = await start_module_server(AUTH_RATE_LIMIT="2/minute")
    page = await tabs.open(server)

    for _ in range(3):
        await page.sign_in("nobody", "wrong password")
        await expect(page.auth_error).not_to_have_text("")

    await expect(page.auth_error).to_have_text(re.compile("Too many attempts"))


async def test_a_revoked_session_sends_the_person_back_to_sign_in_with_a_reason(
    tabs: Tabs, server: ChatServer
) -> None:
    alice = await tabs.open(server)
    await alice.sign_up(tabs.username("alice"))
    await alice.wait_connected()

    await alice.page.evaluate(
        """() => {
            const session = JSON.parse(localStorage.getItem("chatapp.session"));
            localStorage.setItem("chatapp.session", JSON.stringify({...session, jwt: session.jwt + "x"}));
        }"""
    )
    await alice.page.reload()

    await expect(alice.auth_error).to_have_text("Your session has ended. Please sign in again.")
    assert await alice.stored_keys() == []


async def test_the_page_tells_of_a_server_restart_and_reconnects_by_itself(
    tabs: Tabs, start_module_server: ServerFactory
) -> None:
    server = await start_module_server()  # its own: the others' server keeps running
    alice = await tabs.open(server)
    await alice.sign_up(tabs.username("alice"))
    await alice.wait_connected()

    server.kill()
    await expect(alice.status).to_have_text(re.compile("Reconnecting|Connection lost"), timeout=WAIT_MS)
    await alice.screenshot("server-down")
    server.start()
    await server.wait_ready()

    await alice.wait_connected()


async def test_the_api_docs_render_from_local_files(tabs: Tabs, server: ChatServer) -> None:
    docs = await tabs.open(server)
    await docs.page.goto(f"{server.http_url}/schema")

    await expect(docs.page.get_by_text("/api/auth/local/register").first).to_be_visible(timeout=WAIT_MS)
    await docs.screenshot("api-docs")
    assert docs.outside_requests == []
