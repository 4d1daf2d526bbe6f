"""The fleet benchmark's fleet task: the real :class:`AudioFleet` (discord.py + wavelink, the queue
consumer and every handler) against the simulators, fed from the in-process queue.

``python -m bench.fleet_task --plan PATH --lavalink URI --password P [--rates R1,R2 --duration D]``

1. starts the fleet (one pinned shard group holding all the plan's shards) and waits for READY;
2. setup: queues the plan's ``/play <playlist>`` of every guild (at most ``--window`` outstanding)
   and waits until each is answered -- every guild then has a player connected on the Lavalink
   simulator, one track playing and three queued; reads its own RSS (``/proc/self/status``);
3. load (with ``--rates``): for each rate in turn, queues the next ``rate * duration`` commands of
   the plan's mix at ``rate`` commands/s, on a 10 ms tick, and waits until every one is answered;
4. prints one ``RESULT {json}`` line and exits without leaving voice (tearing 10,000 players down
   is not what is measured).

Timings come from the fleet's own metrics (the :class:`BenchSink` it is given):
``DequeueToLavalink`` (emitted by the aiohttp trace hook on the first Lavalink request of each
command, from the time the consumer dequeued the batch holding it) and ``CommandDuration``
(dequeue to the final reply edited on the Discord simulator).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import discord.gateway

from audio_fleet.observability import current_interaction
from audio_fleet.service import AudioFleet
from encore.envelope import CommandEnvelope
from encore.metrics import check_metric
from encore.player_snapshot import MemorySnapshotStore
from encore.queue.memory import InMemoryQueue
from encore.settings import load_settings

TICK_S: Final = 0.01
#: Lavalink's default ``playerUpdateInterval`` (the simulator's default too).
PLAYER_UPDATE_S: Final = 5.0


def proc_status_kib(field: str, pid: str = "self") -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: str = "self") -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_queue_wait_s() -> float:
    """How long the event loop's thread has waited for a CPU while runnable (``schedstat``)."""
    return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9


class LoopLag:
    """How late a 5 ms sleep of the event loop wakes up: the loop's own stalls plus CPU waits."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.005)
            self.samples.append((time.monotonic() - started - 0.005) * 1000)

    def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
        return self.samples


def lift_gateway_send_limit() -> None:
    """discord.py keeps to 110 gateway sends per minute per shard (Discord's limit is 120): one
    voice join each. The benchmark lifts it so the setup's joins take seconds (the simulator's
    limit is lifted to match); it changes nothing a player holds in memory."""
    init: Any = discord.gateway.GatewayRatelimiter.__init__
    init.__defaults__ = (1_000_000_000, 60.0)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(fraction * len(ordered))) - 1)]


class BenchSink:
    """The fleet's metrics sink here: checks every metric against the registry (as production
    sinks do), counts the commands answered (waking waiters), and keeps the values only while
    ``recording`` -- so the setup's metrics do not sit in the RSS being measured."""

    def __init__(self) -> None:
        self.processed = 0
        self.recording = False
        self.values: list[tuple[str, float, dict[str, str]]] = []
        #: When each recorded command first called Lavalink (monotonic s), by interaction id.
        self.lavalink_at: dict[int, float] = {}
        self._changed = asyncio.Event()

    def emit(self, name: str, value: float, **dimensions: str) -> None:
        check_metric(name, dimensions)
        if self.recording:
            self.values.append((name, value, dimensions))
            interaction = current_interaction()
            if name == "DequeueToLavalink" and interaction is not None:
                self.lavalink_at[interaction] = time.monotonic()
        if name == "CommandsProcessed":
            self.processed += int(value)
            self._changed.set()

    async def wait_until(self, count: int) -> None:
        while self.processed < count:
            self._changed.clear()
            await self._changed.wait()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.plan: dict[str, Any] = json.loads(Path(args.plan).read_text())
        shards = int(self.plan["shards"])
        self.settings = load_settings(
            discord_application_id=self.plan["application_id"],
            discord_public_key=self.plan["public_key"],
            discord_bot_token=self.plan["bot_token"],
            discord_api_base=self.plan["api_base"],
            discord_gateway_url=self.plan["gateway_url"],
            lavalink_nodes=[{"name": "bench", "uri": args.lavalink, "password": args.password}],
            encore_queue="memory",
            shard_count=shards,
            shards_per_group=shards,
            encore_shard_group=0,
        )
        self.queue = InMemoryQueue(self.settings.shard_layout)
        self.sink = BenchSink()
        self.fleet = AudioFleet(
            self.settings,
            self.queue.source(0),
            guild_ready_timeout=1.0,
            identify_delay_s=0.0,
            wait_seconds=1.0,
            snapshots=MemorySnapshotStore(),
            metrics=self.sink,
        )

    def processed(self) -> int:
        return self.sink.processed

    def envelope(self, entry: list[Any]) -> CommandEnvelope:
        index, interaction_id, token, command, options, permissions = entry
        where = self.plan["guilds"][index]
        return CommandEnvelope(
            interaction_id=interaction_id,
            interaction_token=token,
            application_id=self.plan["application_id"],
            guild_id=where["guild"],
            channel_id=where["text"],
            user_id=where["user"],
            command=command,
            options=options,
            member_permissions=permissions,
            received_at=datetime.now(UTC),
        )

    async def wait_processed(self, count: int, timeout_s: float) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                await self.sink.wait_until(count)
        except TimeoutError:
            raise TimeoutError(f"only {self.processed()} of {count} commands answered") from None

    async def setup(self) -> dict[str, Any]:
        started = time.monotonic()
        entries = self.plan["setup"]
        done_before = self.processed()
        for sent, entry in enumerate(entries):
            await self.sink.wait_until(done_before + sent - self.args.window + 1)
            await self.queue.send(self.envelope(entry))
        await self.wait_processed(done_before + len(entries), self.args.setup_timeout)
        elapsed = time.monotonic() - started
        players = self.fleet.client.voice_clients
        queued = sum(len(getattr(p, "queue", ())) for p in players)
        return {
            "guilds": len(entries),
            "players": len(players),
            "tracks_held": queued + sum(1 for p in players if getattr(p, "current", None) is not None),
            "setup_s": elapsed,
            "setup_per_s": len(entries) / elapsed if elapsed else 0.0,
        }

    async def load(self, rate: float, plan: list[list[Any]]) -> dict[str, Any]:
        entries = [self.envelope(e) for e in plan]
        done_before = self.processed()
        self.sink.values.clear()
        self.sink.lavalink_at.clear()
        self.sink.recording = True
        simulators = [pid for pid in self.args.simulator_pids.split(",") if pid]
        cpu_before, waited_before = cpu_seconds(), run_queue_wait_s()
        simulators_before = sum(cpu_seconds(pid) for pid in simulators)
        lag = LoopLag()
        lag.start()
        started = time.monotonic()
        sent = 0
        offered_at: dict[int, float] = {}
        while sent < len(entries):
            due = min(len(entries), int((time.monotonic() - started) * rate) + 1)
            while sent < due:
                offered_at[entries[sent].interaction_id] = time.monotonic()
                await self.queue.send(entries[sent])
                sent += 1
            await asyncio.sleep(TICK_S)
        offered_s = time.monotonic() - started
        backlog_at_end = sent - (self.processed() - done_before)
        await self.wait_processed(done_before + len(entries), self.args.drain_timeout)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds() - cpu_before
        simulators_cpu = sum(cpu_seconds(pid) for pid in simulators) - simulators_before
        waited = run_queue_wait_s() - waited_before
        lags = lag.stop()
        self.sink.recording = False
        values = self.sink.values
        to_lavalink = [v for name, v, _ in values if name == "DequeueToLavalink"]
        durations = [v for name, v, _ in values if name == "CommandDuration"]
        from_offer = [
            (at - offered_at[i]) * 1000 for i, at in self.sink.lavalink_at.items() if i in offered_at
        ]
        outcomes: dict[str, int] = {}
        for name, value, dims in values:
            if name == "CommandsProcessed":
                outcomes[dims["Outcome"]] = outcomes.get(dims["Outcome"], 0) + int(value)
        return {
            "rate": rate,
            "commands": len(entries),
            "offered_per_s": len(entries) / offered_s,
            "achieved_per_s": len(entries) / elapsed,
            "elapsed_s": elapsed,
            "backlog_at_end": backlog_at_end,
            "fleet_cpu_share": cpu / elapsed,
            "run_queue_wait_share": waited / elapsed,
            "simulators_cpu_share": simulators_cpu / elapsed,
            "loop_lag_ms": {p: percentile(lags, q) for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
            "outcomes": outcomes,
            "lavalink_samples": len(to_lavalink),
            "to_lavalink_ms": {
                p: percentile(to_lavalink, q) for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
            "offer_to_lavalink_ms": {
                p: percentile(from_offer, q) for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
            "duration_ms": {
                p: percentile(durations, q) for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
        }

    async def run(self) -> dict[str, Any]:
        started = time.monotonic()
        await self.fleet.start(ready_timeout=self.args.setup_timeout)
        result: dict[str, Any] = {"ready_s": time.monotonic() - started, "pid": os.getpid()}
        gc.collect()
        result["rss_ready_kib"] = proc_status_kib("VmRSS")
        result["setup"] = await self.setup()
        await asyncio.sleep(PLAYER_UPDATE_S + 1)  # a player update from Lavalink for every player
        gc.collect()
        result["rss_players_kib"] = proc_status_kib("VmRSS")
        rates = [float(r) for r in self.args.rates.split(",") if r]
        plan, result["loads"] = self.plan["load"], []
        for rate in rates:
            count = round(rate * self.args.duration)
            result["loads"].append(await self.load(rate, plan[:count]))
            plan = plan[count:]
        result["rss_peak_kib"] = proc_status_kib("VmHWM")
        return result


async def main_async(args: argparse.Namespace) -> None:
    lift_gateway_send_limit()
    result = await Bench(args).run()
    print("RESULT " + json.dumps(result), flush=True)
    # Exit without tearing the players down (leaving voice 10,000 times is not the benchmark).
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_task", description=__doc__)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--lavalink", required=True)
    parser.add_argument("--password", required=True, help="the Lavalink node's")
    parser.add_argument("--rates", default="", help="comma-separated commands/s, one load phase each")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per load phase")
    parser.add_argument("--simulator-pids", default="", help="comma-separated, for their CPU use")
    parser.add_argument("--window", type=int, default=256, help="setup commands outstanding at most")
    parser.add_argument("--setup-timeout", type=float, default=600.0)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    asyncio.run(main_async(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
