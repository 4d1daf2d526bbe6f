"""The fleet benchmark's Discord: a :class:`DiscordSimulator` in its own process, with a world and
a plan of pre-acknowledged interactions.

``python -m bench.fleet_sim --guilds N --shards S --load-commands M --seed X --plan PATH``

* builds N guilds (a voice channel, a text channel and one listener sitting in the voice channel),
  with ids spread round-robin over the S shards (``(guild_id >> 22) % S``);
* registers one ``/play <playlist URL>`` interaction per guild (the setup: join voice, play one
  track, queue three) and M more in the benchmark's mix, each on a random guild, and records the
  front's deferral (type 5) of each -- what Discord holds once the front has queued a command --
  so the fleet's ``PATCH …/messages/@original`` is answered exactly as in production;
* writes the plan (the simulator's addresses and token, the guilds, the commands in order) to PATH
  as JSON, prints ``READY`` and serves until SIGTERM.

The interactions are registered before the fleet starts, so building them costs the fleet nothing;
their tokens live 15 minutes, far longer than a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
from pathlib import Path
from typing import Any, Final

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.interactions import application_command_payload, new_interaction_token

#: Discord's epoch-relative milliseconds of the first guild id; ids go up by one ms per guild.
FIRST_GUILD_MS: Final = 300_000_000_000
PLAYLIST_URL: Final = "https://www.youtube.com/playlist?list=PLencoreTestMix01"
QUERIES: Final = ("daft punk", "queen bohemian rhapsody", "toto africa", "take on me", "rick astley")
#: The benchmark's command mix: (command, weight); options are drawn per command.
MIX: Final = (
    ("play", 30),
    ("skip", 12),
    ("pause", 10),
    ("resume", 10),
    ("volume", 15),
    ("shuffle", 10),
    ("remove", 7),
    ("move", 6),
)
#: Discord's limit is 120 gateway sends per minute per connection (discord.py keeps to 110); the
#: benchmark lifts it (here and in the fleet process) so 10,000 voice joins take seconds, not hours.
BENCH_GATEWAY_SEND_LIMIT: Final = (1_000_000_000, 60.0)


def options_for(command: str, rng: random.Random) -> dict[str, Any]:
    if command == "play":
        return {"query": rng.choice(QUERIES)}
    if command == "volume":
        return {"level": rng.randrange(10, 101, 5)}
    if command == "remove":
        return {"position": 1}
    if command == "move":
        return {"from": 2, "to": 1}
    return {}


def _discord_options(options: dict[str, Any]) -> list[dict[str, Any]]:
    types = {str: 3, int: 4}
    return [{"name": k, "type": types[type(v)], "value": v} for k, v in options.items()]


async def build(args: argparse.Namespace) -> tuple[DiscordSimulator, dict[str, Any]]:
    sim = DiscordSimulator(gateway_send_limit=BENCH_GATEWAY_SEND_LIMIT, recommended_shards=args.shards)
    await sim.start()
    guilds: list[dict[str, int]] = []
    for index in range(args.guilds):
        guild = sim.add_guild(f"Bench {index}", (FIRST_GUILD_MS + index) << 22)
        voice = sim.add_voice_channel(guild.id, "Lounge")
        text = sim.add_text_channel(guild.id, "music")
        user = sim.add_member(guild.id, username=f"listener{index}").id
        await sim.set_voice_state(guild.id, user, voice)
        guilds.append({"guild": guild.id, "voice": voice, "text": text, "user": user})

    def interaction(index: int, command: str, options: dict[str, Any]) -> list[Any]:
        where = guilds[index]
        payload = application_command_payload(
            interaction_id=sim._ids.next(),
            application_id=sim.application_id,
            token=new_interaction_token(),
            command_id=sim._command(command, None)[0],
            name=command,
            options=_discord_options(options),
            **sim._context(where["guild"], where["text"], where["user"]),
        )
        record = sim.interactions.register(payload)
        sim.interactions.acknowledge(record, {"type": 5}, via="http")
        permissions = int(payload["member"]["permissions"])
        return [index, record.id, record.token, command, options, permissions]

    rng = random.Random(args.seed)
    commands = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    plan = {
        "application_id": sim.application_id,
        "public_key": sim.public_key_hex,
        "bot_token": sim.bot_token,
        "api_base": sim.api_base,
        "gateway_url": sim.gateway_url,
        "shards": args.shards,
        "guilds": guilds,
        "setup": [interaction(i, "play", {"query": PLAYLIST_URL}) for i in range(args.guilds)],
        "load": [
            interaction(index, command, options_for(command, rng))
            for index, command in (
                (rng.randrange(args.guilds), rng.choices(commands, weights)[0])
                for _ in range(args.load_commands)
            )
        ],
    }
    return sim, plan


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    sim, plan = await build(args)
    try:
        await asyncio.to_thread(Path(args.plan).write_text, json.dumps(plan))
        print("READY", flush=True)
        await stop.wait()
    finally:
        await sim.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_sim", description=__doc__)
    parser.add_argument("--guilds", type=int, required=True)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--load-commands", type=int, default=0)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--plan", required=True)
    asyncio.run(serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
