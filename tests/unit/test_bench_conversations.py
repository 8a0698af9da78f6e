"""The benchmark's conversation receivers (bench/loadgen.py) count what the figures claim.

Not a timed test: it feeds frames to the receiver callback and reads the tallies.
"""

from __future__ import annotations

import asyncio
import json
from time import perf_counter_ns

import pytest

loadgen = pytest.importorskip("bench.loadgen")


def frame(seq: int, client_id: str, conversation: str = "c1") -> bytes:
    return json.dumps(
        {
            "action": "message",
            "conversation": conversation,
            "seq": seq,
            "clientId": client_id,
            "content": "x",
            "user": {"id": 1, "documentId": "u", "username": "a"},
        }
    ).encode()


async def test_receipts_count_frames_order_and_the_last_member() -> None:
    window = loadgen.Window(perf_counter_ns() - 10**9, perf_counter_ns() + 10**9)
    receipts = loadgen.Receipts(window)
    sender = loadgen.Member(client=None, conversation="c1", group="member")
    other = loadgen.Member(client=None, conversation="c1", group="member")
    on_sender, on_other = receipts.receiver(sender), receipts.receiver(other)
    receipts.deliveries["m-0"] = loadgen.Delivery("c1", perf_counter_ns(), True)
    sender.waiting, sender.ack = "m-0", asyncio.get_running_loop().create_future()

    on_other(100, b'{"action":"presence","online":true}')  # not a conversation message: ignored
    on_sender(200, frame(1, "m-0"))
    on_other(300, frame(1, "m-0"))
    on_other(400, frame(1, "m-0"))  # a repeat
    on_other(500, frame(5, "x", conversation="c2"))  # another conversation: not counted

    assert sender.ack.result() == (200, None) and sender.waiting is None
    assert (sender.count, other.count) == (1, 2)
    assert (sender.out_of_order, other.out_of_order) == (0, 1)
    assert receipts.deliveries["m-0"].groups["member"] == [3, 400]
    assert receipts.delivered == 3


async def test_an_error_frame_releases_the_waiting_sender() -> None:
    receipts = loadgen.Receipts(loadgen.Window(0, 1))
    sender = loadgen.Member(client=None, conversation="c1", group="sender")
    sender.waiting, sender.ack = "m-0", asyncio.get_running_loop().create_future()
    receipts.receiver(sender)(7, b'{"action":"error","code":"not_found"}')
    assert sender.ack.result() == (7, "not_found")
