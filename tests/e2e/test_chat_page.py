"""The `/chat` page in a real browser against a real `chatapp serve`: accounts, errors in words, reconnects.

These need no conversations (SPEC 9); the conversation ones (live DM, group, offline reader,
restart, unread counts) are in test_chat_conversations.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.chat_page import WAIT_MS, ChatPage
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e


async def test_a_newcomer_signs_up_and_stays_signed_in_until_signing_out(
    browser: Browser, server: ChatServer
) -> None:
    alice = await ChatPage.open(browser, server.http_url)

    await alice.sign_up("alice")
    await alice.wait_connected()
    await expect(alice.page.get_by_test_id("me")).to_have_text("alice")
    print(f"screenshot: {await alice.screenshot('signed-up')}")
    assert await alice.stored_keys() == ["chatapp.session"]

    await alice.page.reload()
    await alice.wait_connected()
    await expect(alice.page.get_by_test_id("me")).to_have_text("alice")

    await alice.sign_out()
    assert await alice.stored_keys() == []
    await alice.page.reload()
    await expect(alice.page.get_by_role("form", name="Sign in")).to_be_visible()


async def test_the_page_loads_nothing_from_anywhere_else(browser: Browser, server: ChatServer) -> None:
    alice = await ChatPage.open(browser, server.http_url)
    await alice.sign_up("alice")
    await alice.wait_connected()

    assert alice.outside_requests == []


async def test_signing_in_again_works_and_a_wrong_password_is_explained(
    browser: Browser, server: ChatServer
) -> None:
    alice = await ChatPage.open(browser, server.http_url)
    await alice.sign_up("alice")
    await alice.wait_connected()
    await alice.sign_out()

    await alice.sign_in("alice", "not the password")
    await expect(alice.auth_error).to_have_text("Invalid identifier or password")
    await alice.screenshot("sign-in-refused")

    await alice.sign_in("ALICE@example.com")
    await alice.wait_connected()


async def test_a_taken_username_is_explained(browser: Browser, server: ChatServer) -> None:
    first = await ChatPage.open(browser, server.http_url)
    await first.sign_up("alice")
    await first.wait_connected()
    second = await ChatPage.open(browser, server.http_url)

    await second.sign_up("Alice")

    await expect(second.auth_error).to_have_text("Email or Username are already taken")


async def test_too_many_sign_in_attempts_are_explained(browser: Browser, start_server: ServerFactory) -> None:
    server = await start_server(AUTH_RATE_LIMIT="2/minute")
    page = await ChatPage.open(browser, server.http_url)

    for _ in range(3):
        await page.sign_in("nobody", "wrong password")
        await expect(page.auth_error).not_to_have_text("")

    await expect(page.auth_error).to_have_text(re.compile("Too many attempts"))


async def test_a_revoked_session_sends_the_person_back_to_sign_in_with_a_reason(
    browser: Browser, server: ChatServer
) -> None:
    alice = await ChatPage.open(browser, server.http_url)
    await alice.sign_up("alice")
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
    browser: Browser, server: ChatServer
) -> None:
    alice = await ChatPage.open(browser, server.http_url)
    await alice.sign_up("alice")
    await alice.wait_connected()

    server.kill()
    await expect(alice.status).to_have_text(re.compile("Reconnecting|Connection lost"), timeout=WAIT_MS)
    await alice.screenshot("server-down")
    server.start()
    await server.wait_ready()

    await alice.wait_connected()


async def test_the_api_docs_render_from_local_files(browser: Browser, server: ChatServer) -> None:
    docs = await ChatPage.open(browser, server.http_url)
    await docs.page.goto(f"{server.http_url}/schema")

    await expect(docs.page.get_by_text("/api/auth/local/register").first).to_be_visible(timeout=WAIT_MS)
    await docs.screenshot("api-docs")
    assert docs.outside_requests == []
