"""People talk to each other on the `/chat` page (SPEC 9), live, and nothing is lost or doubled by drops.

Two or three people, each in their own browser context, against a real `chatapp serve`.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.chat_page import WAIT_MS, ChatPage
from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e


async def signed_up(browser: Browser, server: ChatServer, *usernames: str) -> list[ChatPage]:
    pages = []
    for username in usernames:
        page = await ChatPage.open(browser, server.http_url)
        await page.sign_up(username)
        await page.wait_connected()
        pages.append(page)
    return pages


async def direct_chat(alice: ChatPage, bob: ChatPage) -> None:
    """Alice finds Bob by name and says hello; Bob opens the conversation it made."""
    await alice.start_direct("bob")
    await alice.send("hello bob")
    await alice.expect_messages(["hello bob"])
    await bob.open_conversation("alice")
    await bob.expect_messages(["hello bob"])


async def test_two_people_open_a_direct_chat_and_see_each_other_live(browser: Browser, server: ChatServer) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")

    await alice.start_direct("bob")
    await alice.send("hello bob")
    await expect(bob.conversation("alice").get_by_test_id("unread")).to_have_text("1", timeout=WAIT_MS)
    await bob.open_conversation("alice")
    await bob.send("hi alice")

    await alice.expect_messages(["hello bob", "hi alice"])
    await bob.expect_messages(["hello bob", "hi alice"])
    print(f"screenshots: {await alice.screenshot('direct-chat-alice')} {await bob.screenshot('direct-chat-bob')}")


async def test_a_reader_offline_for_a_while_sees_every_message_once_in_order(
    browser: Browser, server: ChatServer
) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await direct_chat(alice, bob)

    await bob.context.set_offline(True)
    await expect(bob.status).to_have_text(re.compile("offline"), timeout=WAIT_MS)
    sent_meanwhile = [f"while you were away {n}" for n in range(1, 6)]
    for text in sent_meanwhile:
        await alice.send(text)
    await alice.expect_messages(["hello bob", *sent_meanwhile])
    await bob.context.set_offline(False)

    await bob.expect_messages(["hello bob", *sent_meanwhile])
    await bob.wait_connected()
    await bob.expect_messages(["hello bob", *sent_meanwhile])


async def test_after_a_server_restart_nothing_is_missed_or_doubled(browser: Browser, server: ChatServer) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await direct_chat(alice, bob)

    await bob.context.set_offline(True)
    server.kill()
    await expect(alice.status).not_to_have_text("Connected", timeout=WAIT_MS)
    await alice.send("written while the server was down")  # waits in the page, sent on reconnect
    server.start()
    await server.wait_ready()
    await alice.wait_connected()
    await alice.send("written after the restart")
    await bob.context.set_offline(False)

    expected = ["hello bob", "written while the server was down", "written after the restart"]
    await alice.expect_messages(expected)
    await bob.expect_messages(expected)
    await bob.page.reload()  # what the server stored is what the page showed
    await bob.open_conversation("alice")
    await bob.expect_messages(expected)
    print(f"screenshot: {await bob.screenshot('after-restart-bob')}")


async def test_a_group_reaches_everyone_in_it(browser: Browser, server: ChatServer) -> None:
    alice, bob, carol = await signed_up(browser, server, "alice", "bob", "carol")

    await alice.create_group("Trip", ["bob", "carol"])
    await alice.send("where to?")
    for member in (bob, carol):
        await member.open_conversation("Trip")
        await member.expect_messages(["where to?"])
    await carol.send("the sea")

    for member in (alice, bob, carol):
        await member.expect_messages(["where to?", "the sea"])


async def test_typing_and_presence_are_shown(browser: Browser, server: ChatServer) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await direct_chat(alice, bob)

    await bob.page.get_by_role("textbox", name="Message").press_sequentially("on my way")
    await expect(alice.page.get_by_test_id("typing")).to_have_text("bob is typing…", timeout=WAIT_MS)

    await bob.page.reload()  # Bob connects again, now sharing a conversation with Alice
    await bob.wait_connected()
    await expect(alice.page.locator(".subtitle")).to_have_text("online", timeout=WAIT_MS)

    await bob.context.close()
    await expect(alice.page.locator(".subtitle")).to_have_text("offline", timeout=WAIT_MS)


async def test_read_markers_clear_unread_counts_for_good(browser: Browser, server: ChatServer) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await alice.start_direct("bob")
    await alice.send("one")
    await alice.send("two")
    unread = bob.conversation("alice").get_by_test_id("unread")
    await expect(unread).to_have_text("2", timeout=WAIT_MS)

    await bob.open_conversation("alice")
    await expect(unread).to_have_count(0)
    await bob.page.reload()
    await bob.wait_connected()

    await expect(bob.conversation("alice")).to_be_visible()
    await expect(unread).to_have_count(0)


async def test_sending_too_fast_is_explained_and_nothing_refused_is_delivered(
    browser: Browser, start_server: ServerFactory
) -> None:
    server = await start_server(WS_RATE_LIMIT="1/minute", WS_RATE_BURST="2")
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await alice.start_direct("bob")

    for text in ("one", "two", "three"):
        await alice.send(text)

    refused = alice.page.get_by_test_id("pending").filter(has_text="three")
    await expect(refused).to_contain_text("you are sending too fast", timeout=WAIT_MS)
    await expect(refused.get_by_role("button", name="Retry")).to_be_visible()
    await alice.screenshot("sent-too-fast")
    stored = await alice.page.get_by_test_id("message").locator(".content").all_inner_texts()
    await bob.open_conversation("alice")
    await bob.expect_messages(stored)
    assert "three" not in stored


async def test_a_database_outage_is_explained_and_retry_sends_the_message_once(
    browser: Browser, server: ChatServer, postgres_cluster: PrivateCluster
) -> None:
    alice, bob = await signed_up(browser, server, "alice", "bob")
    await direct_chat(alice, bob)

    await asyncio.to_thread(postgres_cluster.stop)
    try:
        await alice.send("during the outage")
        refused = alice.page.get_by_test_id("pending").filter(has_text="during the outage")
        await expect(refused).to_contain_text("the server cannot store messages right now", timeout=WAIT_MS)
        await alice.screenshot("database-outage")
    finally:
        await asyncio.to_thread(postgres_cluster.start)
    await server.wait_ready()
    await refused.get_by_role("button", name="Retry").click()

    await alice.expect_messages(["hello bob", "during the outage"])
    await bob.expect_messages(["hello bob", "during the outage"])


async def test_finding_nobody_says_so(browser: Browser, server: ChatServer) -> None:
    [alice] = await signed_up(browser, server, "alice")

    await alice.page.get_by_role("button", name="New chat").click()
    await alice.page.get_by_label("Find people by name").fill("zzz")

    await expect(alice.page.get_by_test_id("user-results")).to_have_text(re.compile("Nobody by that name"))
