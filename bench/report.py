"""Turning a run's figures into verdicts, a results file and a table."""

from __future__ import annotations

import json
import operator
import os
import platform
import subprocess
import sys
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.processes import REPO

RESULTS = REPO / "bench" / "results"
PACKAGES = (
    "chatapp",
    "litestar",
    "uvicorn",
    "websockets",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "bcrypt",
    "msgspec",
)
OPERATORS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, "==": operator.eq}
KIB = 1024


# ---------------------------------------------------------------- targets (issue #7, stated for PostgreSQL)


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, value: Any, op: str, limit: Any, detail: str = "") -> None:
        passed = None if value is None else OPERATORS[op](value, limit)
        checks.append(
            {"target": name, "value": value, "limit": f"{op} {limit}", "pass": passed, "detail": detail}
        )

    if ws := figures.get("ws_messages"):
        half, full = ws["half_load"], ws["full_table"]
        reference = next(r for r in ws["closed_loop"] if r["connections"] == half["connections"])
        check(f"durable msgs/s at {half['connections']} connections / echo", reference["vs_echo"], ">=", 0.6)
        check("p99 ms at half that load", half["chatapp"]["latency"].get("p99_ms"), "<", 20)
        check(
            "acknowledged == stored (every WebSocket run)",
            all(r["acked"] == r["stored"] for r in [*ws["closed_loop"], half, full]),
            "==",
            True,
        )
        rate = reference["chatapp"]["throughput_per_s"]
        kept = full["chatapp"]["throughput_per_s"] / rate if rate else None
        # the two runs are minutes apart: each against its own echo runs cancels a change of machine load
        against_echo = (
            full["vs_echo"] / reference["vs_echo"] if full["vs_echo"] and reference["vs_echo"] else None
        )
        detail = f"{_round(against_echo)} with each run against its echo" if against_echo else ""
        check(f"msgs/s with {full['table']} / empty table", _round(kept), ">=", 0.9, detail)
    if idle := figures.get("ws_idle"):
        top = idle["chatapp"]["levels"][-1]["connections"]
        check(
            f"server bytes per idle connection at {top}",
            idle["chatapp"]["bytes_per_connection"],
            "<=",
            40 * KIB,
        )
    if rest := figures.get("rest"):
        login, post = rest["login"], rest["post_chat_sessions"]
        check("login/s / bcrypt checks/s", login["vs_bcrypt"], ">=", 0.85)
        check("WebSocket p99 ms during logins", login["probe"]["latency"].get("p99_ms"), "<", 50)
        check("REST POST acknowledged == stored", post["acked"] == post["stored"], "==", True)
        listed = [
            ("POST /api/chat-sessions", post, 0.35),
            (f"GET /api/chat-sessions (first page of {rest['get_chat_sessions']['listed_total']})",
             rest["get_chat_sessions"], 0.25),
        ]
        if conv := rest.get("get_conversations"):
            listed.append((f"GET /api/conversations (first page of {conv['listed_total']})", conv, 0.20))
        for name, run, limit in listed:
            if "vs_litestar" in run:
                by_cpu = run.get("vs_litestar_by_cpu")
                check(f"#16.6 {name} / bare Litestar JSON route", run["vs_litestar"], ">=", limit,
                      f"by cpu {by_cpu}" if by_cpu else "")
    # issue #16
    if fanout := figures.get("ws_fanout"):
        closed, half = fanout["closed_loop"], fanout["half_load"]
        check(
            f"#16.3 fan-out frames delivered/s ({fanout['members']} members) / echo msgs/s",
            closed["vs_echo"],
            ">=",
            0.6,
        )
        check(
            "#16.3 fan-out p99 ms to the last member at half load",
            half["chatapp"]["groups"]["member"]["latency"].get("p99_ms"),
            "<",
            25,
        )
        check("#16.3 fan-out acknowledged == stored", fanout["acked"] == fanout["stored"], "==", True)
        check("#16.3 fan-out: every member got every stored message once", fanout["exactly_once"], "==", True)
    if cross := figures.get("ws_cross_process"):
        check(
            f"#16.4 p99 other process / same process at {cross['chatapp']['throughput_per_s']:.0f} msgs/s",
            cross["other_vs_same"],
            "<=",
            2,
            f"{cross['other_p99_ms']} / {cross['same_p99_ms']} ms",
        )
        carried = cross["chatapp"]["throughput_per_s"] / cross["chatapp"]["requested_per_s"]
        check("#16.4 the servers carried the pace (msgs/s / paced)", _round(carried), ">=", 0.9)
        check("#16.4 cross-process acknowledged == stored", cross["acked"] == cross["stored"], "==", True)
        check("#16.4 cross-process: every member got every message once", cross["exactly_once"], "==", True)
    if resume := figures.get("ws_resume"):
        check(
            f"#16.5 resume {resume['behind']} behind: msgs/s / echo's 1-connection msgs/s",
            resume["vs_echo"],
            ">=",
            5,
        )
        check("#16.5 resume replays every message in order", resume["complete"], "==", True)
    return checks


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- results file


def git_revision() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO, check=False)
        return done.stdout.strip()

    # the code under test: uncommitted or untracked changes in src/ or bench/ make a run "dirty"
    changes = git("status", "--porcelain", "--", "src", "bench", ":!bench/results")
    return {"sha": git("rev-parse", "--short", "HEAD"), "dirty": bool(changes)}


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
    }


def results_path(revision: dict[str, Any], quick: bool) -> Path:
    name = f"{date.today().isoformat()}-{revision['sha']}{'-dirty' if revision['dirty'] else ''}"
    return RESULTS / f"{name}{'-quick' if quick else ''}.json"


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


# ---------------------------------------------------------------- progress and table


def progress(message: str) -> None:
    """One line on stderr per step, so a long run shows where it is."""
    print(f"{datetime.now():%H:%M:%S} {message}", file=sys.stderr, flush=True)


def summary(result: dict[str, Any]) -> str:
    """A load-generator result in a few words."""
    if "throughput_per_s" in result:
        size = result.get("connections") or result.get("concurrency")
        other = result.get("cpu", {}).get("other_cores", 0)
        p99 = result["latency"].get("p99_ms")
        return f"x{size}: {result['throughput_per_s']}/s, p99 {p99} ms, other load {other}"
    if "bytes_per_connection" in result:
        return f"{result['bytes_per_connection']} bytes per idle connection"
    return ", ".join(
        f"{key}: {len(value) if isinstance(value, list) else value}" for key, value in result.items()
    )


COLUMNS = (
    f"{'scenario':<44}{'per s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
    f"{'srv µs':>9}{'db µs':>8}{'vs echo':>9}{'by cpu':>8}  notes"
)


def _cell(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else " " * width


def _row(
    name: str, run: dict[str, Any], *notes: str, vs: float | None = None, by_cpu: float | None = None
) -> str:
    """One line: throughput, latency percentiles, server and database CPU µs per operation, ratios to echo."""
    latency = run.get("latency", {})
    cells = "".join(_cell(latency.get(key), 9) for key in ("p50_ms", "p90_ms", "p99_ms"))
    costs = (
        _cell(run.get("server_us_per_op"), 9, 1)
        + _cell(run.get("database_us_per_op"), 8, 1)
        + _cell(vs, 9)
        + _cell(by_cpu, 8)
    )
    remarks = "; ".join(filter(None, [*notes, _health(run)]))
    return f"{name:<44}{run['throughput_per_s']:>10.1f}{cells}{costs}  {remarks}".rstrip()


def _health(run: dict[str, Any]) -> str:
    """Errors, spread and suspicious CPU shares, so a bad figure explains itself."""
    notes = []
    if run.get("errors"):
        notes.append(f"errors {run['errors']}")
    if run.get("requested_per_s") and run["throughput_per_s"] < 0.9 * run["requested_per_s"]:
        notes.append(
            f"FELL BEHIND: {run['throughput_per_s']:.0f} of {run['requested_per_s']:.0f} msgs/s paced"
            " (latency measures a backlog)"
        )
    if run.get("closed_by_server"):
        notes.append(f"{run['closed_by_server']} connections closed by the server")
    cpu = run.get("cpu", {})
    if cpu.get("loadgen_cores", 0) > 0.9:
        notes.append(f"load generator busy {cpu['loadgen_cores']:.2f}")
    if cpu.get("other_cores", 0) > 0.15:
        notes.append(f"other load {cpu['other_cores']:.2f} cores")
    if run.get("checkpoints"):
        notes.append(f"{run['checkpoints']} database checkpoint(s) began during the run")
    if run.get("attempts", 1) > 1:
        notes.append(f"{run['attempts']} attempts")
    if len(run.get("runs", [])) > 1:
        notes.append(f"{run['median_of']} of runs " + "/".join(f"{value:.0f}" for value in run["runs"]))
    return "; ".join(notes)


def _stored(acked: int, stored: int) -> str:
    return f"acked {acked} {'=' if acked == stored else '!='} stored {stored}"


def _ws_rows(ws: dict[str, Any]) -> list[str]:
    lines = []
    for run in [*ws["closed_loop"], ws["half_load"], ws["full_table"]]:
        paced = f", {run['rate_per_connection']}/s each" if run["rate_per_connection"] else ""
        name = f"ws {run['connections']} conn ({run['table']}{paced})"
        stored = _stored(run["acked"], run["stored"])
        lines.append(_row(name, run["chatapp"], stored, vs=run["vs_echo"], by_cpu=run["vs_echo_by_cpu"]))
        lines.append(_row("  echo", run["echo"]))
    return lines


def _idle_rows(idle: dict[str, Any]) -> list[str]:
    chat, echo = idle["chatapp"], idle["echo"]
    levels = ", ".join(
        f"{level['connections']}: {level['rss_bytes'] / 2**20:.0f} MiB" for level in chat["levels"]
    )
    return [
        f"{'ws idle, server RSS':<44}{levels}",
        (
            f"{'  bytes per idle connection':<44}{chat['bytes_per_connection'] / KIB:.1f} KiB"
            f" (echo {echo['bytes_per_connection'] / KIB:.1f} KiB, x{idle['vs_echo']})"
        ),
    ]


def _rest_rows(rest: dict[str, Any]) -> list[str]:
    post, get, login = rest["post_chat_sessions"], rest["get_chat_sessions"], rest["login"]
    bcrypt = f"{login['vs_bcrypt']:.2f} of bcrypt {login['bcrypt_checks_per_s']}/s"
    conv = rest.get("get_conversations")

    def against_litestar(name: str, run: dict[str, Any], *notes: str | None) -> list[str]:
        """The row, "vs" the bare Litestar route measured beside it (bench/litestar_app.py)."""
        line = _row(name, run, *filter(None, notes), vs=run.get("vs_litestar"), by_cpu=run.get("vs_litestar_by_cpu"))
        bare = run.get("litestar")
        return [line, _row(f"  Litestar {bare['method']} /json", bare)] if bare else [line]

    post["litestar"] = post.get("litestar") and {**post["litestar"], "method": "POST"}
    for listing in (get, conv):
        if listing and listing.get("litestar"):
            listing["litestar"] = {**listing["litestar"], "method": "GET"}
    return [
        *against_litestar(
            f"POST /api/chat-sessions x{post['concurrency']}", post, _stored(post["acked"], post["stored"])
        ),
        *against_litestar(f"GET /api/chat-sessions page of {get['listed_rows']}/{get['listed_total']}", get),
        *(
            against_litestar(f"GET /api/conversations page of {conv['listed_rows']}/{conv['listed_total']}", conv)
            if conv
            else []
        ),
        _row(f"POST /api/auth/local x{login['concurrency']}", login, bcrypt),
        _row("  ws probe during logins", login["probe"]),
    ]


def _fanout_rows(fanout: dict[str, Any]) -> list[str]:
    closed, half = fanout["closed_loop"], fanout["half_load"]
    chat, paced = closed["chatapp"], half["chatapp"]
    shape = f"{fanout['members']} members, {fanout['senders']} sending"
    once = "every member got every stored message once" if fanout["exactly_once"] else "MISSED OR REPEATED"
    # per s and srv µs per delivered frame; latency: the senders' own acks
    delivered = {
        **chat,
        "throughput_per_s": chat["delivered_per_s"],
        "server_us_per_op": chat["server_us_per_frame"],
        "database_us_per_op": None,
    }
    last = {**paced, "latency": paced["groups"]["member"]["latency"]}
    return [
        _row(
            f"ws fan-out {shape}: frames",
            delivered,
            f"{chat['throughput_per_s']:.0f} msgs/s; {_stored(fanout['acked'], fanout['stored'])}; {once}",
            vs=closed["vs_echo"],
            by_cpu=closed["vs_echo_by_cpu"],
        ),
        _row("  echo (50 conn)", closed["echo"]),
        _row(
            f"ws fan-out ({half['rate_per_sender']}/s each): last member",
            last,
            f"senders' own acks p99 {paced['latency'].get('p99_ms')} ms",
        ),
        _row(f"  echo ({fanout['senders']} conn, same pace)", half["echo"]),
    ]


def _resume_rows(resume: dict[str, Any]) -> list[str]:
    chat = resume["chatapp"]
    notes = f"{chat['replayed']} in {chat['seconds']} s, first after {chat['first_message_ms']} ms"
    if not resume["complete"]:
        notes += f"; INCOMPLETE (out of order {chat['out_of_order']})"
    return [
        _row(f"ws resume {resume['behind']} behind", chat, notes, vs=resume["vs_echo"]),
        _row("  echo (1 conn closed loop)", resume["echo"]),
    ]


def _cross_rows(cross: dict[str, Any]) -> list[str]:
    chat = cross["chatapp"]
    once = "every member got every message once" if cross["exactly_once"] else "MISSED OR REPEATED"
    name = f"ws 2 servers, {cross['groups']} groups ({cross['rate_per_sender']}/s each)"
    rows = [_row(name, chat, _stored(cross["acked"], cross["stored"]), once)]
    for group, label in (("same", "member on the same server"), ("other", "member on the other server")):
        got = chat["groups"][group]
        incomplete = f"{got['incomplete']} incomplete" if got["incomplete"] else ""
        side = {"throughput_per_s": chat["throughput_per_s"], "latency": got["latency"]}
        rows.append(_row(f"  {label}", side, incomplete))
    rows.append(f"{'  other / same p99':<44}{cross['other_vs_same']}")
    return rows


def _target_rows(db: str, checks: list[dict[str, Any]]) -> list[str]:
    lines = ["targets (stated for PostgreSQL):" if db == "postgres" else "targets (informative on SQLite):"]
    for check in checks:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[check["pass"]]
        detail = f"; {check['detail']}" if check.get("detail") else ""
        lines.append(f"  {verdict}  {check['target']}: {check['value']} (target {check['limit']}{detail})")
    return lines


def table(document: dict[str, Any]) -> str:
    settings = document["settings"]
    lines = []
    for db, figures in document["databases"].items():
        lines += [
            "",
            f"== {db}: servers on CPU {settings['server_cpus']}, load on CPU {settings['client_cpus']}",
        ]
        if "error" in figures:
            lines.append(f"FAILED: {figures['error'].strip().splitlines()[-1]}")
        lines.append(COLUMNS)
        for key, rows in (
            ("ws_messages", _ws_rows),
            ("ws_idle", _idle_rows),
            ("ws_fanout", _fanout_rows),
            ("ws_resume", _resume_rows),
            ("ws_cross_process", _cross_rows),
            ("rest", _rest_rows),
        ):
            if key in figures:
                lines += rows(figures[key])
        lines += _target_rows(db, figures["targets"])
    return "\n".join(lines)
