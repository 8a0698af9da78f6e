from __future__ import annotations

from dataclasses import dataclass, field

from chatapp.domain.events import MessagePosted


@dataclass(slots=True)
class ConversationStream:
    """Where this process's delivery of one conversation stands.

    `delivered` is the last seq handed to local connections. Messages that arrive ahead of a gap
    (committed by another process whose notice is late, or published out of order by two writers)
    wait in `ahead` while the gap is read back from history.
    """

    delivered: int
    ahead: dict[int, MessagePosted] = field(default_factory=dict)
    target: int = 0  # the highest seq known to be committed
    repairing: bool = False
    probing: bool = False  # reading back after a lost connection to the other processes: target unknown

    def is_next(self, seq: int) -> bool:
        return seq == self.delivered + 1 and not self.repairing and not self.ahead
