"""``encore``: run the front, the fleet, the sandbox, or register the slash commands.

encore run                 what `make run` does: the sandbox without DISCORD_BOT_TOKEN,
                           else the real bot (front + fleet in one process)
encore sandbox [--command "/play query:…"]...
encore serve [--host H] [--port N]
encore fleet [--group N]         one pinned group, or ENCORE_SHARD_GROUPS=auto: a leased fair share
encore register-commands [--guild ID]
encore migrate [--revision REV]   upgrade the database at DATABASE_URL (default: to the latest)
encore billing-jobs              one run of the scheduled billing job (expire, renew, usage warnings)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from encore.errors import EncoreError, SettingsError
from encore.settings import QueueBackend, Settings, ShardGroupMode, load_settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="encore", description="Encore, the Discord music bot platform")
    commands = parser.add_subparsers(dest="action", required=True)
    run = commands.add_parser("run", help="sandbox without credentials, else the real bot locally")
    run.add_argument("--port", type=int, default=8000, help="port of the front (default 8000)")
    sandbox = commands.add_parser("sandbox", help="everything in one process against the simulators")
    sandbox.add_argument(
        "--command",
        "-c",
        dest="lines",
        action="append",
        default=[],
        metavar="LINE",
        help='a slash command as typed in Discord, e.g. "/play query:never gonna give you up"',
    )
    sandbox.add_argument("--port", type=int, default=0, help="port of the front (default: any free)")
    serve = commands.add_parser("serve", help="run the interactions front (HTTP)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    fleet = commands.add_parser(
        "fleet",
        help="run an audio fleet task (a pinned shard group, or leased ones with ENCORE_SHARD_GROUPS=auto)",
    )
    fleet.add_argument("--group", type=int, default=None, help="shard group (default ENCORE_SHARD_GROUP)")
    register = commands.add_parser("register-commands", help="bulk-overwrite the slash commands")
    register.add_argument("--guild", type=int, default=None, help="register in one guild only")
    migrate = commands.add_parser(
        "migrate", help="migrate the database at DATABASE_URL to the latest schema (or --revision)"
    )
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    commands.add_parser(
        "billing-jobs", help="expire and renew subscriptions, post pending usage warnings (once)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.encore_log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if args.action == "serve":
            return _serve(settings, args.host, args.port)
        if args.action == "sandbox":
            return asyncio.run(_sandbox(args.lines, args.port))
        if args.action == "run":
            if settings.sandbox:
                return asyncio.run(_sandbox([], 0))
            return asyncio.run(_local_bot(settings, args.port))
        if args.action == "fleet":
            return asyncio.run(_fleet(settings, args.group))
        if args.action == "migrate":
            return asyncio.run(_migrate(settings, args.revision))
        if args.action == "billing-jobs":
            return asyncio.run(_billing_jobs(settings))
        return asyncio.run(_register(settings, args.guild))
    except EncoreError as exc:
        print(f"encore: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from encore.billing.runtime import open_billing, uses_embedded_database
    from interactions.app import create_app

    if uses_embedded_database(settings):
        # A fresh machine works: the embedded SQLite database is created and migrated, and the
        # front uses it (the Lambda front only ever uses an explicitly configured one).
        asyncio.run(_close_billing(open_billing(settings)))
        settings = settings.model_copy(update={"database_url": settings.database_url})
    uvicorn.run(create_app(settings=settings), host=host, port=port, log_level="info")
    return 0


async def _close_billing(opening: Coroutine[Any, Any, Any]) -> None:
    await (await opening).close()


async def _sandbox(lines: list[str], port: int) -> int:
    # The console is the sandbox's interface: keep library chatter (discord.py warns that voice
    # needs davey and that the app has an interactions URL, both expected here) off it.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    logging.getLogger("discord").setLevel(logging.ERROR)

    from encore.billing.runtime import open_billing  # alembic logs its setup on import
    from encore_cli.console import interactive, run_commands
    from encore_cli.sandbox import Sandbox

    # The embedded database (DATABASE_URL unset: ./encore.db) is created and migrated on start.
    opened = await open_billing(load_settings())
    try:
        async with Sandbox(front_port=port, billing=opened.service) as sandbox:
            if lines:
                return await run_commands(sandbox, lines, sys.stdout)
            print(f"front listening on {sandbox.front_url}")
            return await interactive(sandbox, input, sys.stdout)
    finally:
        await opened.close()


async def _fleet(settings: Settings, group: int | None) -> int:
    from audio_fleet.fleet_billing import open_fleet_billing
    from audio_fleet.health import HealthServer
    from audio_fleet.observability import configure_logging
    from audio_fleet.service import AudioFleet
    from encore.db.player_states import PlayerStateRepository
    from encore.metrics_emf import PowertoolsSink
    from encore.queue.sqs import SqsCommandQueue, sqs_client

    if settings.encore_queue is not QueueBackend.SQS:
        raise SettingsError("ENCORE_QUEUE", "a standalone fleet needs a shared queue: set ENCORE_QUEUE=sqs")
    client = sqs_client(settings.aws_region, settings.aws_endpoint_url, read_timeout=30.0)
    queue = SqsCommandQueue(client, settings.encore_sqs_queue_urls, settings.shard_layout)
    configure_logging(settings.encore_log_level, json_logs=True)
    # Stored tiers, guild settings, /247 and autoplay, play counts (embedded SQLite: migrated here).
    billing, opened = await open_fleet_billing(settings, PowertoolsSink("fleet"))
    # Durable copies of the player snapshots (player_states), behind the Redis ones.
    states = PlayerStateRepository(opened.database, lambda: datetime.now(UTC))
    try:
        if settings.encore_shard_groups is ShardGroupMode.AUTO and group is None:
            # Lease-driven: this task takes its fair share of the groups and their queues.
            fleet = AudioFleet(
                settings,
                sources=queue.source,
                metrics=PowertoolsSink("fleet"),
                billing=billing,
                player_states=states,
            )
        else:
            chosen = settings.encore_shard_group if group is None else group
            pinned = settings.model_copy(update={"encore_shard_groups": ShardGroupMode.PINNED})
            fleet = AudioFleet(
                pinned,
                queue.source(chosen),
                group=chosen,
                metrics=PowertoolsSink("fleet"),
                billing=billing,
                player_states=states,
            )
    except BaseException:
        await opened.close()  # e.g. a missing setting: no connection left behind
        raise
    health = HealthServer(fleet.readiness, port=settings.encore_health_port)
    if settings.encore_health_port:
        await health.start()  # before the fleet connects: /health answers during a slow start
    try:
        await fleet.start()
        await _until_terminated(fleet.wait())
    finally:
        # SIGTERM drain: in-flight commands finish, players are saved and stay on Lavalink
        # (resumable), leases are released, all within ENCORE_STOP_TIMEOUT.
        await fleet.drain()
        await health.close()
        await opened.close()
    return 0


async def _until_terminated(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` until it ends or the process gets SIGTERM/SIGINT (ECS stops tasks with SIGTERM)."""
    loop = asyncio.get_running_loop()
    terminated = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, terminated.set)
    running = asyncio.ensure_future(work)
    waiting = asyncio.ensure_future(terminated.wait())
    try:
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        waiting.cancel()
        if not running.done():
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    if running.done() and not running.cancelled():
        running.result()


async def _local_bot(settings: Settings, port: int = 8000) -> int:
    """The real bot on one machine: the front on a port you tunnel to, the fleet on the gateway."""
    import uvicorn

    from audio_fleet.fleet_billing import open_fleet_billing
    from audio_fleet.service import AudioFleet
    from encore.queue.memory import InMemoryQueue
    from encore_cli.front_app import front_app

    queue = InMemoryQueue(settings.shard_layout)
    billing, opened = await open_fleet_billing(settings)  # the embedded SQLite default: migrated
    app = front_app(settings, queue, billing.service)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off"))
    fleet = AudioFleet(settings, queue.source(settings.encore_shard_group), billing=billing)
    serving = asyncio.create_task(server.serve())
    try:
        await fleet.start()
        print(f"front on http://127.0.0.1:{port}/interactions: tunnel to it and set it in Discord")
        await _until_terminated(fleet.wait())
    finally:
        server.should_exit = True
        await fleet.close()
        await serving
        await opened.close()
    return 0


async def _register(settings: Settings, guild: int | None) -> int:
    from encore_cli.registration import register_commands

    for line in await register_commands(settings, guild):
        print(line)
    return 0


async def _migrate(settings: Settings, revision: str) -> int:
    from encore_cli.migrate import migrate

    for line in await migrate(settings, revision):
        print(line)
    return 0


async def _billing_jobs(settings: Settings) -> int:
    from encore.billing.jobs import run_billing_jobs

    report = await run_billing_jobs(settings)
    print(report.model_dump_json())
    return 0
