"""Processes of a benchmark run: servers and load-generator jobs, each pinned with `taskset`."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 90.0  # chatapp applies its migrations before it answers /_health
STOP_TIMEOUT = 20.0


def raise_open_file_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (each idle connection is a descriptor); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path
    profiler: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_server(
    name: str,
    argv: list[str],
    *,
    port: int,
    cpus: str,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Server:
    """Start `argv` on `cpus` (children inherit the affinity) and wait until /_health is 200."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["taskset", "-c", cpus, *argv],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, log_path)
    deadline = time.monotonic() + startup_timeout
    while not _healthy(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"{name} did not become healthy on port {port}:\n{server.log_tail()}")
        time.sleep(0.2)
    return server


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def stop_server(server: Server) -> None:
    """SIGINT for a graceful stop (disconnect rows get written), SIGKILL to the group if it hangs."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
    if server.profiler is not None:
        server.profiler.wait(STOP_TIMEOUT)


def attach_profiler(server: Server, svg: Path, cpus: str) -> None:
    """py-spy samples the server tree (off the server's cores) until it exits, then writes `svg`."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise RuntimeError("--profile needs py-spy: pip install py-spy")
    server.profiler = subprocess.Popen(
        [
            "taskset",
            "-c",
            cpus,
            py_spy,
            "record",
            "--pid",
            str(server.pid),
            "--subprocesses",
            "--nonblocking",
            "--output",
            str(svg),
            "--format",
            "flamegraph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_job(job: dict[str, Any], cpus: str) -> dict[str, Any]:
    """One load-generator job in its own pinned process (see bench/loadgen.py)."""
    budget = 300 + job.get("warmup", 0) + job.get("duration", 0)
    done = subprocess.run(
        ["taskset", "-c", cpus, sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=budget,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator job {job['kind']} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)
