"""People talk to each other on the `/chat` page (SPEC 9): live, and nothing is lost or doubled by drops.

Two or three people, each in a browser context of their own, against a real `chatapp serve`. To stay
quick the tests share one browser and one server (each test signs up people of its own, with names
no other test uses); the test that needs other settings starts its own. Each step a person would
look at is saved as a screenshot under test-artifacts/e2e/ (`conversations-*.png`), with each
page's WebSocket frames, API answers and console beside it (`conversations-*.log`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, WebSocketRoute, expect

from tests.e2e.chat_page import ChatPage
from tests.e2e.clients import register
from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

_casts = itertools.count(1)


class Cast:
    """The people of one test, each a ChatPage in a browser context of their own.

    `alice` in a test is `alice<n>` on the server: the tests of this module share it.
    """

    def __init__(self, browser: Browser, story: str) -> None:
        self.browser = browser
        self.story = story
        self.number = next(_casts)
        self.pages: dict[str, ChatPage] = {}  # the name in the test -> its page

    def username(self, name: str) -> str:
        return f"{name}{self.number}"

    async def sign_up(self, server: ChatServer, *names: str) -> list[ChatPage]:
        pages = []
        for name in names:
            page = await ChatPage.open(self.browser, server.http_url)
            self.pages[name] = page
            await page.sign_up(self.username(name))
            await page.wait_connected()
            pages.append(page)
        return pages

    async def shot(self, page: ChatPage, step: str) -> None:
        """The page as its person sees it now: test-artifacts/e2e/conversations-<story>-<step>-<name>.png."""
        await page.screenshot(f"conversations-{self.story}-{step}-{self.name_of(page)}")

    def name_of(self, page: ChatPage) -> str:
        return next(name for name, known in self.pages.items() if known is page)

    async def close(self) -> None:
        for name, page in self.pages.items():
            page.save_transcript(f"conversations-{self.story}-{name}")
            await page.context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(start_module_server: ServerFactory) -> ChatServer:
    """The module's shared server, with the default e2e settings."""
    return await start_module_server()


@pytest_asyncio.fixture(loop_scope="module")
async def cast(module_browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Cast]:
    story = request.node.name.removeprefix("test_").split("_")[0:3]
    people = Cast(module_browser, "-".join(story))
    yield people
    await people.close()


async def direct_chat(cast: Cast, alice: ChatPage, bob: ChatPage) -> None:
    """Alice finds Bob by name and says hello; Bob opens the conversation that made."""
    await alice.start_direct(bob.username)
    await alice.send("hello bob")
    await alice.expect_messages(["hello bob"])
    await bob.open_conversation(alice.username)
    await bob.expect_messages(["hello bob"])


class SlowReplay:
    """Once a page's WebSocket has sent `resume`, what the server sends on it reaches the page
    `seconds` late, in order (0: at once), while the page's REST requests stay quick: a server slow
    to replay (many conversations), or a congested path for the WebSocket alone."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @classmethod
    async def on(cls, page: Page) -> SlowReplay:
        """For the WebSockets `page` opens from now on."""
        slow = cls()
        await page.route_web_socket(re.compile(r"/ws\?"), slow._route)
        return slow

    def _route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        loop = asyncio.get_running_loop()
        frames: asyncio.Queue[tuple[float, str | bytes | None]] = asyncio.Queue()  # None: the close
        resumed = False
        closing: list[Any] = [None, None]

        def from_page(frame: str | bytes) -> None:
            nonlocal resumed
            resumed = resumed or '"resume"' in str(frame)
            server_side.send(frame)

        def from_server(frame: str | bytes | None) -> None:
            frames.put_nowait((loop.time() + (self.seconds if resumed else 0.0), frame))

        async def deliver() -> None:
            while True:
                due, frame = await frames.get()
                await asyncio.sleep(max(0.0, due - loop.time()))  # the latency itself
                if frame is None:
                    await page_side.close(code=closing[0], reason=closing[1])
                    return
                with contextlib.suppress(Exception):  # the page may have closed it meanwhile
                    page_side.send(frame)

        def server_closed(code: int | None, reason: str | None) -> None:
            closing[:] = [code, reason]
            from_server(None)

        async def page_closed(code: int | None, reason: str | None) -> None:
            delivering.cancel()
            await server_side.close(code=code, reason=reason)
            await page_side.close(code=code, reason=reason)  # completes the page's closing handshake

        delivering = loop.create_task(deliver())
        page_side.on_message(from_page)
        server_side.on_message(from_server)
        server_side.on_close(server_closed)
        page_side.on_close(page_closed)


def unread(page: ChatPage, name: str):  # type: ignore[no-untyped-def]
    """The unread count on the conversation named `name` in `page`'s list."""
    return page.conversation(name).get_by_test_id("unread")


async def test_two_people_find_each_other_by_name_and_talk_live(cast: Cast, server: ChatServer) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")

    await alice.start_direct(bob.username)
    await cast.shot(alice, "1-started")
    await alice.send("hello bob")
    await alice.expect_messages(["hello bob"])  # her own message, acknowledged once stored
    await expect(bob.conversation(alice.username)).to_contain_text(f"{alice.username}: hello bob")
    await expect(unread(bob, alice.username)).to_have_text("1")
    await cast.shot(bob, "2-unread")

    await bob.open_conversation(alice.username)
    await bob.expect_messages(["hello bob"])
    await expect(unread(bob, alice.username)).to_have_count(0)
    await bob.send("hi alice")

    for page in (alice, bob):  # each sees both, in order, once
        await page.expect_messages(["hello bob", "hi alice"])
    await expect(alice.page.get_by_test_id("message").first).to_contain_text("seen")  # Bob read it
    await expect(unread(alice, bob.username)).to_have_count(0)  # what Alice writes or reads is not unread
    await cast.shot(alice, "3-talked")
    await cast.shot(bob, "3-talked")

    await bob.page.reload()  # Bob connects again, now sharing a conversation with Alice
    await bob.wait_connected()
    await expect(alice.page.locator(".subtitle")).to_have_text("online")
    await cast.shot(alice, "4-bob-online")
    await bob.context.close()
    await expect(alice.page.locator(".subtitle")).to_have_text("offline")
    await cast.shot(alice, "5-bob-offline")


async def test_who_writes_as_soon_as_a_chat_opens_is_heard_on_a_slow_network(
    cast: Cast, server: ChatServer
) -> None:
    """The conversation shows before its history has loaded: what Alice types then must be sent."""
    [alice] = await cast.sign_up(server, "alice")
    await register(server.http_url, cast.username("bob"))

    async def slow_history(route: Route) -> None:
        await asyncio.sleep(1.5)  # a slow network, not a wait for anything
        await route.continue_()

    await alice.page.route(re.compile(r"/api/chat-sessions\?"), slow_history)
    await alice.start_direct(cast.username("bob"))
    await alice.send("hello, anyone?")

    await alice.expect_messages(["hello, anyone?"])
    await expect(alice.page.get_by_role("dialog")).to_be_hidden()
    await cast.shot(alice, "1-heard")


async def test_a_reader_offline_for_a_while_sees_every_message_once_in_order(
    cast: Cast, server: ChatServer
) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")
    await direct_chat(cast, alice, bob)

    await bob.context.set_offline(True)
    await expect(bob.status).to_have_text(re.compile("You are offline"))
    await cast.shot(bob, "1-offline")
    sent_meanwhile = [f"while you were away {n}" for n in range(1, 6)]
    for text in sent_meanwhile:
        await alice.send(text)
    await alice.expect_messages(["hello bob", *sent_meanwhile])
    await bob.context.set_offline(False)

    await bob.wait_connected()
    await bob.expect_messages(["hello bob", *sent_meanwhile])
    await cast.shot(bob, "2-back")
    await alice.send("welcome back")
    await bob.expect_messages(["hello bob", *sent_meanwhile, "welcome back"])  # live again, after the resume


async def test_after_a_server_restart_nothing_is_missed_or_doubled(cast: Cast, server: ChatServer) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")
    await direct_chat(cast, alice, bob)

    await bob.context.set_offline(True)
    server.kill()
    try:
        await expect(alice.status).to_have_text(re.compile("Reconnecting|Connection lost"))
        await alice.send("written while the server was down")
        await expect(alice.page.get_by_test_id("pending")).to_contain_text("Waiting for the connection")
        await cast.shot(alice, "1-server-down")
    finally:
        server.start()  # the same port and database: the other tests' server again
        await server.wait_ready()
    await alice.wait_connected()  # the waiting message goes now, with its clientId
    await alice.send("written after the restart")
    await bob.context.set_offline(False)

    expected = ["hello bob", "written while the server was down", "written after the restart"]
    await alice.expect_messages(expected)
    await bob.wait_connected()
    await bob.expect_messages(expected)
    await cast.shot(bob, "2-back")
    await bob.page.reload()  # what the server stored is what the page showed
    await bob.open_conversation(alice.username)
    await bob.expect_messages(expected)


async def test_a_group_and_people_added_later_see_each_message_once_typing_and_presence(
    cast: Cast, server: ChatServer
) -> None:
    alice, bob, carol = await cast.sign_up(server, "alice", "bob", "carol")

    await alice.create_group("Trip", [bob.username])
    await alice.send("where to?")
    await expect(unread(bob, "Trip")).to_have_text("1")
    await alice.page.get_by_role("button", name="Add people").click()
    await alice.page.get_by_label("Find people by name").fill(carol.username)
    await alice.page.get_by_test_id("user-result").filter(has_text=carol.username).click()
    await alice.page.get_by_role("button", name="Add", exact=True).click()
    # The picker closes when the POST answers, which may come after the members' `updated` frame
    # (the subtitle): typing into the composer while the modal picker is still open was lost.
    await expect(alice.page.get_by_role("dialog")).to_be_hidden()
    await expect(alice.page.locator(".subtitle")).to_contain_text(carol.username)
    await alice.send("who's in?")
    await alice.expect_messages(["where to?", "who's in?"])
    for page in (bob, carol):  # Carol has the group in her list as soon as she is added
        await expect(unread(page, "Trip")).to_have_text("2")
        await expect(page.conversation("Trip")).to_contain_text(f"{alice.username}: who's in?")
    await cast.shot(alice, "1-carol-added")
    await cast.shot(carol, "1-carol-added")

    for page in (bob, carol):
        await page.open_conversation("Trip")
        await page.expect_messages(["where to?", "who's in?"])
        await expect(unread(page, "Trip")).to_have_count(0)
    await carol.page.get_by_role("textbox", name="Message").press_sequentially("the s")
    for page in (alice, bob):
        await expect(page.page.get_by_test_id("typing")).to_have_text(f"{carol.username} is typing…")
    await cast.shot(bob, "2-carol-typing")
    await carol.send("the sea")

    for page in (alice, bob, carol):
        await page.expect_messages(["where to?", "who's in?", "the sea"])
        await expect(page.page.get_by_test_id("typing")).to_have_text("")  # her message ends her typing

    await carol.page.reload()  # Carol connects again, now sharing a conversation with Alice and Bob
    await carol.wait_connected()
    await expect(alice.page.locator(".subtitle")).to_contain_text(f"{carol.username} (online)")
    await cast.shot(alice, "3-carol-online")
    await carol.context.close()
    await expect(alice.page.locator(".subtitle")).not_to_contain_text(f"{carol.username} (online)")
    await expect(alice.page.locator(".subtitle")).to_contain_text(carol.username)


async def test_unread_counts_and_read_markers_are_right_across_reloads_and_drops(
    cast: Cast, server: ChatServer
) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")
    bobs_replay = await SlowReplay.on(bob.page)
    await alice.start_direct(bob.username)
    await alice.send("one")
    await alice.send("two")
    await alice.expect_messages(["one", "two"])
    await expect(unread(bob, alice.username)).to_have_text("2")  # live, while Bob reads nothing
    await bob.page.reload()
    await bob.wait_connected()
    await expect(unread(bob, alice.username)).to_have_text("2")  # as the server counts them
    await expect(unread(alice, bob.username)).to_have_count(0)  # her own are never unread to her

    await bob.context.set_offline(True)
    await expect(bob.status).to_have_text(re.compile("You are offline"))
    await alice.send("three")
    await alice.expect_messages(["one", "two", "three"])
    # Back online, Bob's page asks for his conversations (REST) and resumes (WebSocket) at once:
    # with a slow replay the conversations come first, and must not make "three" count twice.
    bobs_replay.seconds = 1.0
    await bob.context.set_offline(False)
    await bob.wait_connected()
    await alice.send("four")
    await alice.expect_messages(["one", "two", "three", "four"])
    await expect(unread(bob, alice.username)).to_have_text("4")  # "four" came after the resume's "three"
    await expect(bob.conversation(alice.username)).to_contain_text(f"{alice.username}: four")
    await cast.shot(bob, "1-four-unread")
    bobs_replay.seconds = 0

    await bob.open_conversation(alice.username)
    await bob.expect_messages(["one", "two", "three", "four"])
    await expect(unread(bob, alice.username)).to_have_count(0)
    await expect(alice.page.get_by_test_id("message").last).to_contain_text("seen")
    await cast.shot(alice, "2-seen")
    await bob.page.reload()
    await bob.wait_connected()
    await expect(bob.conversation(alice.username)).to_contain_text("four")
    await expect(unread(bob, alice.username)).to_have_count(0)  # the read marker was stored


async def session_of(page: ChatPage) -> dict[str, Any]:
    """The page's signed-in session as it keeps it: {jwt, user}."""
    return dict(await page.page.evaluate("JSON.parse(localStorage.getItem('chatapp.session'))"))


async def test_who_was_removed_while_away_sees_the_group_go_when_back(cast: Cast, server: ChatServer) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")
    await alice.create_group("Book club", [bob.username])
    await alice.send("friday?")
    await expect(bob.conversation("Book club")).to_contain_text("friday?")
    owner, removed = await session_of(alice), await session_of(bob)

    await bob.context.set_offline(True)
    await expect(bob.status).to_have_text(re.compile("You are offline"))
    async with httpx.AsyncClient(base_url=server.http_url, headers={"Authorization": f"Bearer {owner['jwt']}"}) as http:
        [club] = (await http.get("/api/conversations")).json()["data"]
        gone = await http.delete(f"/api/conversations/{club['documentId']}/members/{removed['user']['documentId']}")
    assert gone.status_code == 204, gone.text
    await bob.context.set_offline(False)
    await bob.wait_connected()

    await expect(bob.conversation("Book club")).to_have_count(0)
    await expect(bob.page.get_by_text("You are no longer in Book club.")).to_be_visible()
    await cast.shot(bob, "1-back-and-removed")


async def test_finding_nobody_says_so(cast: Cast, server: ChatServer) -> None:
    [alice] = await cast.sign_up(server, "alice")

    await alice.page.get_by_role("button", name="New chat").click()
    await alice.page.get_by_label("Find people by name").fill("zzz")

    await expect(alice.page.get_by_test_id("user-results")).to_have_text("Nobody by that name")
    await cast.shot(alice, "1-nobody")


async def test_sending_too_fast_is_explained_and_nothing_refused_is_delivered(
    cast: Cast, start_module_server: ServerFactory
) -> None:
    server = await start_module_server(WS_RATE_LIMIT="1/minute", WS_RATE_BURST="2")
    alice, bob = await cast.sign_up(server, "alice", "bob")
    await alice.start_direct(bob.username)

    for text in ("one", "two", "three"):
        await alice.send(text)

    refused = alice.page.get_by_test_id("pending").filter(has_text="three")
    await expect(refused).to_contain_text("Not sent: you are sending too fast. Wait a moment, then retry.")
    await expect(refused.get_by_role("button", name="Retry")).to_be_visible()
    await cast.shot(alice, "1-refused")
    stored = await alice.page.get_by_test_id("message").locator(".content").all_inner_texts()
    await bob.open_conversation(alice.username)
    await bob.expect_messages(stored)
    assert "three" not in stored


async def test_a_database_outage_is_explained_and_retry_sends_the_message_once(
    cast: Cast, server: ChatServer, postgres_cluster: PrivateCluster
) -> None:
    alice, bob = await cast.sign_up(server, "alice", "bob")
    await direct_chat(cast, alice, bob)

    await asyncio.to_thread(postgres_cluster.stop)
    try:
        await alice.send("during the outage")
        refused = alice.page.get_by_test_id("pending").filter(has_text="during the outage")
        await expect(refused).to_contain_text("Not sent: the server cannot store messages right now. Retry in a moment.")
        await cast.shot(alice, "1-refused")
    finally:
        await asyncio.to_thread(postgres_cluster.start)
    await server.wait_ready()
    await refused.get_by_role("button", name="Retry").click()

    await alice.expect_messages(["hello bob", "during the outage"])
    await bob.expect_messages(["hello bob", "during the outage"])
