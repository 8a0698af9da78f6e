"""Each conversation's frames to one connection in seq order, without repeats, across the seam
between a resume's replay and live delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

HOLD_SECONDS = 1.0  # the longest a new connection's live conversation frames wait for its resume


class LiveOrder:
    """Right after sign-in, live conversation frames wait until the client's first frame (a client
    that resumes sends that first) or HOLD_SECONDS: a resuming client never sees a live message
    before the older ones its replay brings. During a replay, that conversation's live frames wait
    for its end. A seq already sent is never sent again.
    """

    def __init__(self, push: Callable[[str], None]) -> None:
        self._push = push
        self._sent: dict[int, int] = {}  # conversation id -> last seq sent
        self._first_live: dict[int, int] = {}  # conversation id -> first seq sent live
        self._held: dict[int, list[tuple[str, int]]] = {}
        self._replaying: set[int] = set()
        self.holding = False
        self._timer: asyncio.TimerHandle | None = None

    def hold(self) -> None:
        self.holding = True
        self._timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self.release)

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.holding, self._timer = False, None
        for conversation_id in [c for c in self._held if c not in self._replaying]:
            self._flush(conversation_id)

    def deliver(self, frame: str, conversation_id: int, seq: int) -> None:
        if self.holding or conversation_id in self._replaying:
            self._held.setdefault(conversation_id, []).append((frame, seq))
        else:
            self._in_order(frame, conversation_id, seq)

    def begin_replay(self, conversation_id: int) -> None:
        self._replaying.add(conversation_id)

    def needs(self, conversation_id: int, seq: int) -> bool:
        """Whether a replayed seq is still to send (not already delivered live)."""
        first = self._first_live.get(conversation_id)
        return first is None or not first <= seq <= self._sent.get(conversation_id, 0)

    def replayed(self, conversation_id: int, seq: int) -> None:
        self._sent[conversation_id] = max(self._sent.get(conversation_id, 0), seq)

    def position(self, conversation_id: int) -> int:
        return self._sent.get(conversation_id, 0)

    def end_replay(self, conversation_id: int) -> None:
        self._replaying.discard(conversation_id)
        if not self.holding:
            self._flush(conversation_id)

    def _flush(self, conversation_id: int) -> None:
        for frame, seq in self._held.pop(conversation_id, ()):
            self._in_order(frame, conversation_id, seq)

    def _in_order(self, frame: str, conversation_id: int, seq: int) -> None:
        if seq <= self._sent.get(conversation_id, 0):
            return
        self._first_live.setdefault(conversation_id, seq)
        self._sent[conversation_id] = seq
        self._push(frame)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
