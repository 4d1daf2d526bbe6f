"""``python -m bench.fleet``: one fleet task's throughput, dequeue → Lavalink latency and memory.

Three kinds of process, so the simulators cannot take the fleet's CPU unnoticed:

* the Lavalink simulator (``python -m encore.simulators.lavalink``) and the Discord simulator
  (:mod:`bench.fleet_sim`: the guilds, listeners in voice, pre-acknowledged interactions), both
  pinned to CPU 1;
* the fleet task (:mod:`bench.fleet_task`: the real ``AudioFleet`` -- discord.py shards, wavelink,
  the queue consumer and every handler -- fed from the in-process queue), pinned to CPU 0.

Runs, each with fresh processes:

1. **throughput**: ``BENCH_FLEET_GUILDS`` guilds (default 1,000) each get a player (``/play`` of a
   4-track playlist); the fleet's RSS is read; then the mix is offered at each of
   ``BENCH_FLEET_RATES`` commands/s in turn (default 200 and 500) for ``BENCH_FLEET_DURATION`` s
   each (default 20);
2. **memory**: for each count in ``BENCH_FLEET_RSS_GUILDS`` (default 1,000 and 10,000) not
   measured by run 1, the same setup and the RSS.

Results are printed and written to the ``fleet`` section of ``docs/performance.md`` (the other
benchmarks' sections are left as they are).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from bench.doc_sections import replace_section
from bench.fleet_sim import MIX, PLAYLIST_URL

ROOT: Final = Path(__file__).resolve().parent.parent
PYTHON: Final = sys.executable
RATES: Final = tuple(float(r) for r in os.environ.get("BENCH_FLEET_RATES", "200,500").split(",") if r)
DURATION_S: Final = float(os.environ.get("BENCH_FLEET_DURATION", "20"))
GUILDS: Final = int(os.environ.get("BENCH_FLEET_GUILDS", "1000"))
RSS_GUILDS: Final = tuple(
    int(n) for n in os.environ.get("BENCH_FLEET_RSS_GUILDS", "1000,10000").split(",") if n
)
#: Guilds per gateway shard (Discord requires a shard per 2,500 guilds; bots use about 1,000).
GUILDS_PER_SHARD: Final = 1000
P95_TARGET_MS: Final = 20.0
TARGET_RATE: Final = 500.0
RSS_TARGET_KIB: Final = 1024 * 1024
RSS_TARGET_GUILDS: Final = 10_000
#: Scheduling priority of the fleet process (``nice``; e.g. -10 to stand in for a CPU of its own on
#: a machine others are using). 0 (the default) leaves it as any other process.
NICE: Final = int(os.environ.get("BENCH_FLEET_NICE", "0"))
FLEET_CPU: Final = "0"
SIMULATOR_CPU: Final = "1"


@dataclass
class Run:
    guilds: int
    shards: int
    result: dict[str, Any]
    #: ``/v4/stats`` of the Lavalink simulator once the fleet task is done: players, playingPlayers.
    lavalink: dict[str, Any]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for variable in ("REDIS_URL", "DATABASE_URL", "ENCORE_SQS_QUEUE_URLS", "ENCORE_SHARD_GROUPS"):
        env.pop(variable, None)
    return env


def _start(args: list[str], cpu: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["taskset", "-c", cpu, PYTHON, "-m", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )


def _first_line(process: subprocess.Popen[str]) -> str:
    """The first stdout line of ``process`` (it prints it once ready)."""
    stream: IO[str] | None = process.stdout
    assert stream is not None
    line = stream.readline()
    if not line:
        raise RuntimeError(f"{process.args!r} did not start (exit code {process.poll()})")
    return line.strip()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_once(guilds: int, rates: tuple[float, ...], folder: Path) -> Run:
    shards = max(1, math.ceil(guilds / GUILDS_PER_SHARD))
    plan = folder / f"plan-{guilds}.json"
    auth = secrets.token_hex(8)
    lavalink = _start(
        ["encore.simulators.lavalink", "--port=0", "--log-level=WARNING", f"--password={auth}"],
        SIMULATOR_CPU,
    )
    discord = _start(
        [
            "bench.fleet_sim",
            f"--guilds={guilds}",
            f"--shards={shards}",
            f"--load-commands={sum(round(rate * DURATION_S) for rate in rates)}",
            f"--plan={plan}",
        ],
        SIMULATOR_CPU,
    )
    try:
        uri = _first_line(lavalink).removeprefix("listening on ").strip()
        if _first_line(discord) != "READY":
            raise RuntimeError("the Discord simulator did not get ready")
        fleet = subprocess.run(
            [
                *(["nice", "-n", str(NICE)] if NICE else []),
                "taskset",
                "-c",
                FLEET_CPU,
                PYTHON,
                "-m",
                "bench.fleet_task",
                f"--plan={plan}",
                f"--lavalink={uri}",
                f"--password={auth}",
                f"--rates={','.join(str(rate) for rate in rates)}",
                f"--duration={DURATION_S}",
                f"--simulator-pids={lavalink.pid},{discord.pid}",
            ],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        lines = [line for line in fleet.stdout.splitlines() if line.startswith("RESULT ")]
        if fleet.returncode != 0 or not lines:
            sys.stderr.write(fleet.stderr[-5000:])
            raise RuntimeError(f"the fleet task failed (exit code {fleet.returncode})")
        return Run(guilds, shards, json.loads(lines[-1].removeprefix("RESULT ")), lavalink_stats(uri, auth))
    finally:
        _stop(discord)
        _stop(lavalink)


def lavalink_stats(uri: str, auth: str) -> dict[str, Any]:
    where = urllib.parse.urlsplit(uri)
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    try:
        connection.request("GET", "/v4/stats", headers={"Authorization": auth})
        stats: dict[str, Any] = json.load(connection.getresponse())
        return stats
    finally:
        connection.close()


def machine() -> str:
    from bench.front import machine as front_machine

    return front_machine()


def command_line() -> str:
    """How this run was started: the module and the ``BENCH_FLEET_*`` settings given."""
    given = sorted((k, v) for k, v in os.environ.items() if k.startswith("BENCH_FLEET_"))
    return " ".join([*(f"{k}={v}" for k, v in given), "python -m bench.fleet"])


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _pct(values: dict[str, float]) -> str:
    return f"{values['p50']:.1f} / {values['p95']:.1f} / {values['p99']:.1f}"


def _verdict(loads: list[dict[str, Any]]) -> str:
    at_target = [load for load in loads if load["rate"] == TARGET_RATE]
    if not at_target:
        return f"not judged (no run at {TARGET_RATE:.0f} commands/s)"
    load = at_target[0]
    carried = load["achieved_per_s"] >= 0.95 * TARGET_RATE
    return "met" if carried and load["to_lavalink_ms"]["p95"] <= P95_TARGET_MS else "NOT met"


def _commands_section(load_run: Run, mix: str) -> list[str]:
    loads: list[dict[str, Any]] = load_run.result["loads"]
    lines = [
        "### Commands: throughput and dequeue → Lavalink latency",
        "",
        "| Offered cmd/s | Achieved cmd/s | Dequeue → Lavalink p50 / p95 / p99 ms | Queued → Lavalink "
        "p50 / p95 / p99 ms | Dequeue → reply p50 / p95 / p99 ms | Fleet CPU used | Fleet waited "
        "for a CPU | Simulators' CPU | CPU per command |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for load in loads:
        cpu_ms = load["fleet_cpu_share"] * load["elapsed_s"] / load["commands"] * 1000
        lines.append(
            f"| {load['offered_per_s']:,.0f} | {load['achieved_per_s']:,.0f} | "
            f"**{_pct(load['to_lavalink_ms'])}** | {_pct(load['offer_to_lavalink_ms'])} | "
            f"{_pct(load['duration_ms'])} | {load['fleet_cpu_share']:.0%} of a core | "
            f"{load['run_queue_wait_share']:.0%} of the time | {load['simulators_cpu_share']:.0%} of a "
            f"core | {cpu_ms:.2f} ms |"
        )
    lines += ["", "Per run:", ""]
    for load in loads:
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(load["outcomes"].items()))
        lag = load["loop_lag_ms"]
        lines.append(
            f"- {load['rate']:.0f} commands/s: {load['commands']:,} commands ({outcomes}), "
            f"{load['lavalink_samples']:,} of them called Lavalink; {load['backlog_at_end']:,} still "
            f"queued when the offer ended; event-loop lag (a 5 ms sleep waking late) p50 / p95 / p99 "
            f"{_pct(lag)} ms."
        )
    fastest = max(loads, key=lambda load: load["rate"])
    cpu_ms = fastest["fleet_cpu_share"] * fastest["elapsed_s"] / fastest["commands"] * 1000
    lines += [
        "",
        f"Target (issue 4): dequeue → Lavalink p95 ≤ {P95_TARGET_MS:.0f} ms at {TARGET_RATE:.0f} "
        f"commands/s per fleet task, all of them carried: **{_verdict(loads)}**.",
        "",
        f"Mix (each command on a random guild of {load_run.guilds:,}, every guild already playing a",
        f"4-track playlist): {mix}. Each rate runs for {DURATION_S:.0f} s, one after the other, in",
        "the same fleet process.",
        "",
        "Dequeue → Lavalink is the fleet's own `DequeueToLavalink` metric: the consumer stamps the",
        "time it dequeued the batch holding the command, and an aiohttp trace hook on wavelink's",
        "session emits the time elapsed at the command's first request to a Lavalink node (waiting",
        "for a concurrency slot counts). Commands that do not call Lavalink (shuffle, remove, move;",
        "a pause of a paused player) emit nothing. Queued → Lavalink adds the time the command",
        "waited in the queue (the benchmark notes when it queued each command and when the metric",
        "fired in that command's context). Dequeue → reply is `CommandDuration` (the final reply",
        "edited on the Discord simulator). Achieved commands/s is the number of commands divided by",
        'the time from the first offer to the last final reply. "Fleet waited for a CPU" is the',
        "event-loop thread's run-queue delay (`/proc/thread-self/schedstat`): time it was ready to",
        "run while CPU 0 ran something else; CPU used plus that wait near 100% means the fleet was",
        f"CPU-bound on the share it got. At {fastest['rate']:.0f} commands/s the fleet spent "
        f"{cpu_ms:.2f} ms of CPU per",
        "command (both HTTP calls, the reply and the consumer's bookkeeping included), so a core of",
        f"its own would carry about {1000 / cpu_ms:,.0f} commands/s at full use (an estimate, not a",
        "measurement).",
        "",
    ]
    return lines


def render(runs: list[Run], load_run: Run | None) -> str:
    mix = ", ".join(f"{name} {weight}%" for name, weight in MIX)
    lines = [
        "## Fleet",
        "",
        "Written by `python -m bench.fleet` (part of `make bench`); do not edit by hand.",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Command: `{command_line()}` ({' and '.join(f'{rate:.0f}' for rate in RATES)} commands/s, "
        f"{DURATION_S:.0f} s each, over {GUILDS:,} guilds; memory at "
        f"{', '.join(f'{r.guilds:,}' for r in runs)} guilds)",
        "- Setup: one fleet task -- the real `AudioFleet`: discord.py shards, wavelink, the queue",
        "  consumer and every command handler -- pinned to CPU 0"
        + (f" at `nice {NICE}`" if NICE else "")
        + ", fed by the in-process queue",
        "  (`ENCORE_QUEUE=memory`; no Redis: in-process snapshots and delivery records). The Lavalink",
        "  simulator and the Discord simulator run as their own processes pinned to CPU 1. The",
        "  Discord simulator holds the guilds (one listener each, in a voice channel) and the",
        "  interactions, already deferred by the front, so the fleet's reply edits are answered as",
        "  by Discord; the commands are put on the fleet's queue by the benchmark inside the fleet",
        "  process (that cost is counted as the fleet's).",
        "",
    ]
    if load_run is not None:
        lines += _commands_section(load_run, mix)
    lines += [
        "### Memory: RSS with simulated guild players",
        "",
        "| Guilds | Shards | Players (fleet / Lavalink) | Tracks held | RSS ready (0 players) | "
        "RSS with players | Peak RSS of the run | Setup |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        r, setup = run.result, run.result["setup"]
        lines.append(
            f"| {run.guilds:,} | {run.shards} | {setup['players']:,} / {run.lavalink['players']:,} | "
            f"{setup['tracks_held']:,} | "
            f"{_mib(r['rss_ready_kib'])} | **{_mib(r['rss_players_kib'])}** | {_mib(r['rss_peak_kib'])} | "
            f"{setup['setup_s']:.0f} s ({setup['setup_per_s']:,.0f} joins/s) |"
        )
    big = next((r for r in runs if r.guilds == RSS_TARGET_GUILDS), None)
    if big is not None:
        met = "met" if big.result["rss_players_kib"] <= RSS_TARGET_KIB else "NOT met"
        lines += ["", f"Target (issue 4): {RSS_TARGET_GUILDS:,} players ≤ 1 GiB: **{met}**."]
    lines += [
        "",
        "How the players are made: the Discord simulator starts with every guild (a voice channel,",
        "a text channel, a listener sitting in the voice channel) and sends them to the fleet's",
        f"shards in GUILD_CREATE at IDENTIFY; then each guild's `/play {PLAYLIST_URL}` goes",
        "through the queue and the real `/play` handler: a voice join over the gateway (op 4, then",
        "VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE), the voice state PATCHed to the Lavalink",
        "simulator, the playlist loaded, one track playing and three queued, the reply edited",
        "(songs that ended during a long setup have moved on, hence fewer tracks held).",
        "Only one thing is not as in production: Discord allows 120 gateway sends per minute per",
        "shard (discord.py keeps to 110), one per voice join, so 10,000 joins would take 9 minutes",
        "on 10 shards; the benchmark lifts that cap in discord.py and in the simulator. It changes",
        'nothing the fleet holds per player. "Lavalink" players are those the Lavalink simulator',
        "holds for the fleet's session at the end (its `/v4/stats`). The peak RSS of the throughput",
        "run includes the benchmark's own bookkeeping of the load phase. RSS is `VmRSS` of the",
        "fleet process alone",
        "(`/proc/<pid>/status`), read after a garbage collection and 6 s after the last join (every",
        "player has had a Lavalink player update by then); it includes the interpreter, discord.py's",
        "guild cache and wavelink. The Lavalink simulator sends a player update per player every",
        "5 s, as Lavalink does by default.",
        "",
        "Reading these numbers: this is a shared 2-core VM, also running other work; the fleet had",
        'CPU 0 to itself only as far as the scheduler allowed (see "waited for a CPU" above), and',
        "latency tails here are mostly that wait. Run it on a quiet machine for figures to keep.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    runs: list[Run] = []
    load_run: Run | None = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if RATES and DURATION_S > 0:
            load_run = run_once(GUILDS, RATES, folder)
            runs.append(load_run)
            print(json.dumps(load_run.result, indent=1), flush=True)
        for guilds in RSS_GUILDS:
            if any(r.guilds == guilds for r in runs):
                continue
            run = run_once(guilds, (), folder)
            runs.append(run)
            print(json.dumps(run.result, indent=1), flush=True)
    runs.sort(key=lambda r: r.guilds)
    section = render(runs, load_run)
    print(section)
    replace_section(ROOT / "docs" / "performance.md", "fleet", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
