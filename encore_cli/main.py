"""``encore``: run the front, the fleet, the sandbox, or register the slash commands.

encore run                 what `make run` does: the sandbox without DISCORD_BOT_TOKEN,
                           else the real bot (front + fleet in one process)
encore sandbox [--command "/play query:…"]...
encore serve [--host H] [--port N]
encore fleet [--group N]
encore register-commands [--guild ID]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from encore.errors import EncoreError, SettingsError
from encore.settings import QueueBackend, Settings, load_settings

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
    fleet = commands.add_parser("fleet", help="run an audio fleet task for one shard group")
    fleet.add_argument("--group", type=int, default=None, help="shard group (default ENCORE_SHARD_GROUP)")
    register = commands.add_parser("register-commands", help="bulk-overwrite the slash commands")
    register.add_argument("--guild", type=int, default=None, help="register in one guild only")
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
        return asyncio.run(_register(settings, args.guild))
    except EncoreError as exc:
        print(f"encore: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from interactions.app import create_app

    uvicorn.run(create_app(settings=settings), host=host, port=port, log_level="info")
    return 0


async def _sandbox(lines: list[str], port: int) -> int:
    from encore_cli.console import interactive, run_commands
    from encore_cli.sandbox import Sandbox

    # The console is the sandbox's interface: keep library chatter (discord.py warns that voice
    # needs davey and that the app has an interactions URL, both expected here) off it.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    logging.getLogger("discord").setLevel(logging.ERROR)
    async with Sandbox(front_port=port) as sandbox:
        if lines:
            return await run_commands(sandbox, lines, sys.stdout)
        print(f"front listening on {sandbox.front_url}")
        return await interactive(sandbox, input, sys.stdout)


async def _fleet(settings: Settings, group: int | None) -> int:
    from audio_fleet.service import AudioFleet
    from encore.queue.sqs import SqsCommandQueue, sqs_client

    if settings.encore_queue is not QueueBackend.SQS:
        raise SettingsError("ENCORE_QUEUE", "a standalone fleet needs a shared queue: set ENCORE_QUEUE=sqs")
    client = sqs_client(settings.aws_region, settings.aws_endpoint_url, read_timeout=30.0)
    queue = SqsCommandQueue(client, settings.encore_sqs_queue_urls, settings.shard_layout)
    chosen = settings.encore_shard_group if group is None else group
    fleet = AudioFleet(settings, queue.source(chosen), group=chosen)
    try:
        await fleet.start()
        await _until_terminated(fleet.wait())
    finally:
        await fleet.close()  # stops consuming, lets in-flight commands finish, disconnects
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

    from audio_fleet.service import AudioFleet
    from encore.queue.memory import InMemoryQueue
    from interactions.app import create_app
    from interactions.bootstrap import build_core

    queue = InMemoryQueue(settings.shard_layout)
    app = create_app(build_core(settings, queue))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off"))
    fleet = AudioFleet(settings, queue.source(settings.encore_shard_group))
    serving = asyncio.create_task(server.serve())
    try:
        await fleet.start()
        print(f"front on http://127.0.0.1:{port}/interactions: tunnel to it and set it in Discord")
        await _until_terminated(fleet.wait())
    finally:
        server.should_exit = True
        await fleet.close()
        await serving
    return 0


async def _register(settings: Settings, guild: int | None) -> int:
    from encore_cli.registration import register_commands

    for line in await register_commands(settings, guild):
        print(line)
    return 0
