"""A connection's rate limit: frames over it are refused, and a connection that keeps sending over
it runs out of refusals and is closed."""

from __future__ import annotations

from chatapp.entrypoints.ws.rate_limit import REFUSED_BURSTS, FrameBudget

SLOW = 0.001  # frames per second: nothing refills while the test runs


def test_frames_within_the_burst_pass() -> None:
    budget = FrameBudget(SLOW, burst=2)

    assert [budget.spend(), budget.spend()] == [None, None]


def test_frames_over_it_are_refused_until_the_refusals_run_out_then_the_connection_closes() -> None:
    budget = FrameBudget(SLOW, burst=2)
    for _ in range(2):
        assert budget.spend() is None

    refused = [budget.spend() for _ in range(REFUSED_BURSTS * 2 + 1)]

    assert all(r is not None and r.code == "rate_limited" for r in refused)
    assert [r.close for r in refused if r is not None] == [None] * (REFUSED_BURSTS * 2) + [1008]
