"""A private PostgreSQL cluster for the e2e session, so tests may stop and start it at will."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.net import free_port

PG_START_TIMEOUT_SECONDS = 30


def find_bindir() -> Path | None:
    """The newest local PostgreSQL server binaries (Debian layout), if any."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return candidates[-1].parent if candidates else None


class PrivateCluster:
    """initdb'd in a temporary directory, trust auth, listening on 127.0.0.1 only, on a free port.

    As root, every server binary runs as the `postgres` user (initdb refuses root).
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="chatapp-e2e-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.directory}"
            " -c max_connections=300 -c fsync=off"  # fsync guards against OS crashes, which no test makes
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log),
                  "-w", "-t", str(PG_START_TIMEOUT_SECONDS), "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are terminated, as in a restart by an operator."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        status = subprocess.run(self._command("pg_ctl", "-D", str(self.data), "status"), capture_output=True, check=False)
        return status.returncode == 0

    def destroy(self) -> None:
        subprocess.run(self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _command(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(argv)]
        return argv

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(self._command(program, *args), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr}{result.stdout}\n{log}")
