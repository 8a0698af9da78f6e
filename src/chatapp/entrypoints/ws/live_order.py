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
    for its end. A seq already sent is never sent again. A notice about a conversation (an edit, a
    deletion, a membership change: no seq) waits behind that conversation's held messages, so that
    it never reaches the client before the message it is about.
    """

    def __init__(self, push: Callable[[str], None]) -> None:
        self._push = push
        self._sent: dict[int, int] = {}  # conversation id -> last seq sent
        # conversation id -> the runs of seqs sent live, [first, last] each: a member removed and
        # added back was sent nothing in between, and a resume must bring that gap.
        self._live: dict[int, list[list[int]]] = {}
        self._held: dict[int, list[tuple[str, int | None]]] = {}
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

    def deliver(self, frame: str, conversation_id: int, seq: int | None) -> None:
        """A conversation's message (its seq) or a notice about the conversation (None)."""
        if self.holding or conversation_id in self._replaying:
            self._held.setdefault(conversation_id, []).append((frame, seq))
        elif seq is None:
            self._push(frame)
        else:
            self._in_order(frame, conversation_id, seq)

    def begin_replay(self, conversation_id: int) -> None:
        self._replaying.add(conversation_id)

    def needs(self, conversation_id: int, seq: int) -> bool:
        """Whether a replayed seq is still to send (not already delivered live)."""
        return not any(first <= seq <= last for first, last in self._live.get(conversation_id, ()))

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
            if seq is None:
                self._push(frame)
            else:
                self._in_order(frame, conversation_id, seq)

    def _in_order(self, frame: str, conversation_id: int, seq: int) -> None:
        if seq <= self._sent.get(conversation_id, 0):
            return
        runs = self._live.setdefault(conversation_id, [])
        if runs and runs[-1][1] == seq - 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
        self._sent[conversation_id] = seq
        self._push(frame)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
