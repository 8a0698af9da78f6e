"""`chatapp serve` as a real child process: start, wait until healthy, signal, inspect."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.net import free_port

JWT_SECRET = "e2e-secret-long-enough-for-hs256-and-for-the-hs512-forgeries-0123456789"
CHATAPP = Path(sys.executable).parent / "chatapp"
READY_TIMEOUT_SECONDS = 30.0
CRASH_LEVELS = {"error", "critical"}  # a warning (e.g. "database unavailable") is expected under attack


def base_environment(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "JWT_", "WS_", "AUTH_", "BCRYPT_", "LOG_", "APP_", "PORT", "HOST"))
    }
    env.update(
        DATABASE_URL=database_url,
        JWT_SECRET=JWT_SECRET,
        BCRYPT_ROUNDS="4",
        AUTH_RATE_LIMIT="0",
        LOG_FORMAT="json",
        APP_ENV="test",
    )
    env.update(overrides)
    return env


class ChatServer:
    """One `chatapp serve` (and, with workers > 1, its worker processes) in its own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str, workers: int = 1):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "server not started"
        return self.process.pid

    def start(self) -> None:
        """Spawn the process; pair with wait_ready(). Restarting keeps the port."""
        argv = [str(CHATAPP), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, cwd=self.log_path.parent)

    async def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Until GET /_health answers 200; fails at once if the process exits."""
        await self.wait_health(200, timeout)

    async def wait_health(self, status: int, timeout: float) -> None:
        """Until GET /_health answers `status`; fails at once if the process exits."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.http_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.is_running():
                    raise RuntimeError(f"server exited with {self.process and self.process.returncode}:\n"
                                       f"{self.log_tail()}")
                try:
                    if (await client.get("/_health")).status_code == status:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # polling interval of a bounded wait for an observable state
        raise TimeoutError(f"/_health did not answer {status} within {timeout} s:\n{self.log_tail()}")

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        """To the serving process only (uvicorn's supervisor forwards SIGTERM to its workers)."""
        assert self.process is not None
        self.process.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL to the whole process group (workers included): no cleanup code runs anywhere."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    async def wait_exit(self, timeout: float) -> int:
        """The exit status; raises subprocess.TimeoutExpired if the process is still running after `timeout`."""
        assert self.process is not None
        return await asyncio.to_thread(self.process.wait, timeout)

    def rss_bytes(self) -> int:
        """Resident memory of the serving process (workers=1), from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def worker_pids(self) -> list[int]:
        """With workers > 1: uvicorn's worker processes (children of the supervisor), from /proc."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(pid) for pid in children if b"spawn_main" in _cmdline(int(pid))]

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                record = {"event": line}
            records.append(record if isinstance(record, dict) else {"event": line})
        return records

    def crash_records(self) -> list[dict[str, Any]]:
        """Records of errors and exceptions: a request or connection that died of a bug."""
        return [r for r in self.log_records()
                if r.get("level") in CRASH_LEVELS or "exception" in r or "Traceback" in str(r.get("event"))]

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:  # exited meanwhile
        return b""


def client_ports(pid: int, port: int) -> set[int]:
    """The clients' ports of the TCP connections to local `port` that process `pid` holds."""
    inodes = {link[len("socket:["):-1] for fd in Path(f"/proc/{pid}/fd").iterdir()
              if (link := os.readlink(fd)).startswith("socket:[")}
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(local.rsplit(":", 1)[1], 16) == port:
                ports.add(int(remote.rsplit(":", 1)[1], 16))
    return ports


ServerFactory = Callable[..., Awaitable[ChatServer]]
