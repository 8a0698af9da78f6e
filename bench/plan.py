"""What a run measures, and how long it may take. The defaults are issue #7's figures."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, kw_only=True)
class Plan:
    ws_connections: tuple[int, ...] = (1, 50, 500)
    reference_connections: int = 50  # the run compared with echo, at half load and on a full table
    preload_rows: int = 100_000  # per sender for the full-table run, and for the listed user
    idle_levels: tuple[int, ...] = (0, 1_000, 10_000)  # issue #16 target 7: 10,000
    accounts: int = 500  # registered users; connections beyond this many reuse their tokens round-robin
    post_concurrency: int = 32
    login_concurrency: int = 8
    probe_rate: float = 20.0  # messages/s of the client beside the logins: the default WS_RATE_LIMIT
    bcrypt_rounds: int = 10
    warmup: float = 1.0  # seconds of load before each measured window
    duration: float = 10.0  # seconds of each measured window
    repeats: int = 3  # runs per figure; the median one is reported
    max_other_cores: float = 0.25  # CPU taken by other processes that makes a window suspect...
    retries: int = 2  # ...and how often such a window is run again
    settle: float = 2.0  # seconds between opening idle connections and reading RSS
    # conversations (issue #16)
    fanout_members: int = 100  # one group, one connection per member...
    fanout_senders: int = 10  # ...of which these send in closed loops (then paced at half that load)
    resume_rows: int = 10_000  # messages a resuming client is behind in one conversation
    cross_rate: float = 1_000.0  # messages/s across two servers on one PostgreSQL...
    cross_groups: int = 10  # ...in this many groups of three: a sender and a member on one, a member on the other
    listed_conversations: int = 200  # conversations of the user whose GET /api/conversations is measured
    max_rate: int = 200_000  # messages or requests per second: bounds the count of every load loop

    @property
    def max_count(self) -> int:
        return int(self.max_rate * (self.warmup + self.duration))


FULL = Plan()
QUICK = replace(
    FULL,
    preload_rows=2_000,
    idle_levels=(0, 500, 2_000),
    accounts=60,
    warmup=0.5,
    duration=2.0,
    repeats=1,
    retries=0,
    settle=1.0,
)
