"""The sandbox's interactive console and its non-interactive form (``--command``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Final, TextIO

from encore.errors import CommandLineError
from encore_cli.sandbox import CommandOutcome, Sandbox

__all__ = ["interactive", "run_commands"]

HELP: Final = """\
Type a slash command as Discord shows it, for example:
  /play query:never gonna give you up
  /play query:daft punk one more time
  /queue          /nowplaying          /help          /premium status
Sandbox commands:
  :leave   leave the voice channel        :join   join it again
  :state   show the player                :help   this text
  :quit    stop the sandbox (or Ctrl-D)"""


def _print_outcome(outcome: CommandOutcome, out: TextIO) -> None:
    if outcome.final is None:
        out.write(f"  bot: {outcome.initial}\n  bot: (no reply)\n")
        return
    prefix = "  bot (only you can see this): " if outcome.ephemeral else "  bot: "
    out.write(f"{prefix}{outcome.final}\n")


async def run_commands(sandbox: Sandbox, lines: Sequence[str], out: TextIO) -> int:
    """Run each command in order, print each reply; 1 if any command got no final reply."""
    status = 0
    for line in lines:
        out.write(f"you> {line}\n")
        try:
            outcome = await sandbox.run_command(line)
        except CommandLineError as exc:
            out.write(f"  error: {exc}\n")
            status = 1
            continue
        _print_outcome(outcome, out)
        out.write(f"  player: {sandbox.player_state()}\n")
        if not outcome.answered:
            status = 1
    return status


async def interactive(sandbox: Sandbox, read: Callable[[str], str], out: TextIO) -> int:
    out.write("Encore sandbox: you are in the voice channel 'Lounge' of 'Encore Sandbox'.\n" + HELP + "\n")
    while True:
        try:
            line = (await asyncio.to_thread(read, "you> ")).strip()
        except EOFError:
            out.write("\n")
            return 0
        if not line:
            continue
        if line in {":quit", ":q", ":exit"}:
            return 0
        if line == ":help":
            out.write(HELP + "\n")
        elif line == ":state":
            out.write(f"  player: {sandbox.player_state()}\n")
        elif line in {":leave", ":join"}:
            await sandbox.set_listening(line == ":join")
            where = "in 'Lounge'" if line == ":join" else "not in a voice channel"
            out.write(f"  you are now {where}\n")
        else:
            try:
                outcome = await sandbox.run_command(line)
            except CommandLineError as exc:
                out.write(f"  error: {exc}\n")
                continue
            _print_outcome(outcome, out)
            out.write(f"  player: {sandbox.player_state()}\n")
