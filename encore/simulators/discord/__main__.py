"""Run the Discord simulator as its own process.

``python -m encore.simulators.discord --port 8900 [--interactions-url URL]`` starts the server,
seeds a "Sandbox" guild (voice channel, text channel, one listener) unless ``--no-seed``, prints
``key=value`` lines (application_id, bot_user_id, bot_token, public_key, api_base, gateway_url,
control_url and the seeded ids), then serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .simulator import DiscordSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m encore.simulators.discord", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--interactions-url", default=None)
    parser.add_argument("--application-id", type=int, default=None)
    parser.add_argument("--heartbeat-interval-ms", type=int, default=41_250)
    parser.add_argument("--no-seed", action="store_true", help="start with no guild")
    return parser


async def serve(args: argparse.Namespace) -> None:
    sim = DiscordSimulator(
        application_id=args.application_id,
        host=args.host,
        port=args.port,
        interactions_url=args.interactions_url,
        heartbeat_interval_ms=args.heartbeat_interval_ms,
    )
    await sim.start()
    try:
        lines = {
            "application_id": str(sim.application_id),
            "bot_user_id": str(sim.bot_user_id),
            "bot_token": sim.bot_token,
            "public_key": sim.public_key_hex,
            "api_base": sim.api_base,
            "gateway_url": sim.gateway_url,
            "control_url": sim.base_url + "/_sim",
        }
        if not args.no_seed:
            guild = sim.add_guild("Sandbox")
            lines.update(
                guild_id=str(guild.id),
                voice_channel_id=str(sim.add_voice_channel(guild.id, "General")),
                text_channel_id=str(sim.add_text_channel(guild.id, "general")),
                user_id=str(sim.add_member(guild.id, username="listener").id),
            )
        for key, value in lines.items():
            print(f"{key}={value}")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await sim.close()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
