"""Run a simulated Lavalink v4 node as its own process until SIGINT or SIGTERM.

    python -m encore.simulators.lavalink --port 2333 --password youshallnotpass

The first line on stdout is ``listening on http://HOST:PORT`` (useful with ``--port 0``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from encore.simulators.lavalink.simulator import LavalinkSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m encore.simulators.lavalink", description="Simulated Lavalink v4 node."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2333, help="0 picks a free port")
    parser.add_argument("--password", default="youshallnotpass")
    parser.add_argument("--name", default="sim")
    parser.add_argument("--player-update-interval", type=float, default=5.0)
    parser.add_argument("--stats-interval", type=float, default=60.0)
    parser.add_argument("--playback-speed", type=float, default=1.0)
    parser.add_argument("--log-level", default="INFO")
    return parser


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with LavalinkSimulator(
        password=args.password,
        host=args.host,
        port=args.port,
        player_update_interval=args.player_update_interval,
        stats_interval=args.stats_interval,
        playback_speed=args.playback_speed,
        name=args.name,
    ) as sim:
        print(f"listening on {sim.uri}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
