"""Figures from samples and from /proc: latency percentiles, RSS and CPU time of process trees."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from time import monotonic, perf_counter, sleep

_TICKS = os.sysconf("SC_CLK_TCK")


def latency_summary(samples_ns: list[int]) -> dict[str, float | int]:
    """Nearest-rank percentiles in milliseconds."""
    if not samples_ns:
        return {"samples": 0}
    ordered = sorted(samples_ns)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] / 1e6

    return {
        "samples": len(ordered),
        "p50_ms": round(rank(0.50), 3),
        "p90_ms": round(rank(0.90), 3),
        "p99_ms": round(rank(0.99), 3),
        "max_ms": round(ordered[-1] / 1e6, 3),
    }


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn `--workers` children, py-spy targets...)."""
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the task ended meanwhile
                stack += [int(child) for child in task.read_text().split()]
    return pids


def rss_bytes(pid: int) -> int:
    """Resident set size (VmRSS) of `pid` and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def postgres_pids(database: str) -> list[int]:
    """PostgreSQL's shared processes (WAL writer, checkpointer...) and the backends serving
    `database`; backends of other databases on the same server are someone else's load."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if not comm.read_text().startswith("postgres"):
                continue
            title = (comm.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        is_backend = "(" in title or "[local]" in title  # a client address: "… db 127.0.0.1(41234) idle"
        if not is_backend or f" {database} " in title:
            pids.append(int(comm.parent.name))
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds consumed so far, per process."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    return seconds


def machine_busy_seconds() -> float:
    """Non-idle CPU seconds of the whole machine, all cores (first line of /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / _TICKS


class CpuMeter:
    """Where CPU went over one measured window, in cores (1.0 = one core fully busy).

    `database_cores` is PostgreSQL working for `postgres_database` (SQLite works inside the
    server). `other_cores` is everything not spent by the server, PostgreSQL or this load generator:
    a busy machine shows up there, and makes that window's figures suspect.
    """

    def __init__(self, server_pid: int | list[int] | None, postgres_database: str | None) -> None:
        """`server_pid`: the server, or several servers whose CPU adds up (each with its children)."""
        self._server_pids = [server_pid] if isinstance(server_pid, int) else list(server_pid or [])
        self._postgres_database = postgres_database
        self._start = self._sample()

    def _sample(self) -> tuple[float, dict[int, float], dict[int, float], float, float]:
        server = cpu_seconds([pid for root in self._server_pids for pid in process_tree(root)])
        own = os.times()
        return (
            perf_counter(),
            server,
            cpu_seconds(postgres_pids(self._postgres_database)) if self._postgres_database else {},
            own.user + own.system,
            machine_busy_seconds(),
        )

    def stop(self) -> dict[str, float]:
        end = self._sample()
        wall = end[0] - self._start[0]
        server = _grown(self._start[1], end[1]) / wall
        database = _grown(self._start[2], end[2]) / wall
        loadgen = (end[3] - self._start[3]) / wall
        machine = (end[4] - self._start[4]) / wall
        return {
            "server_cores": round(server, 3),
            "database_cores": round(database, 3),
            "loadgen_cores": round(loadgen, 3),
            "other_cores": round(max(0.0, machine - server - database - loadgen), 3),
        }


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU gained by processes alive at the end (ones born during the window count in full)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def wait_until_idle(pid: int, below: float = 0.05, interval: float = 0.25, timeout: float = 30.0) -> None:
    """Block until the process tree uses under `below` of a core over `interval` (at most `timeout` s):
    so one figure's leftovers (disconnect rows, closing sockets) do not leak into the next."""
    deadline = monotonic() + timeout
    used = sum(cpu_seconds(process_tree(pid)).values())
    while monotonic() < deadline:
        sleep(interval)
        now = sum(cpu_seconds(process_tree(pid)).values())
        if now - used < below * interval:
            return
        used = now
