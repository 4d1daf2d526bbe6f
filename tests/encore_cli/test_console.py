"""The sandbox console: a listener types commands and sandbox verbs, and sees the bot answer."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import pytest

from encore_cli.console import interactive
from encore_cli.sandbox import Sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running


def typed(lines: list[str]) -> Iterator[str]:
    yield from lines


async def test_console_session(sandbox: Sandbox) -> None:
    script = typed(
        [
            ":help",
            ":leave",
            "/play query:never gonna give you up",
            ":join",
            "/play query:never gonna give you up",
            "",
            ":state",
            "/dance",
            ":quit",
        ]
    )
    out = io.StringIO()

    def read(prompt: str) -> str:
        return next(script)

    assert await interactive(sandbox, read, out) == 0
    text = out.getvalue()
    assert "you are now not in a voice channel" in text
    assert "bot: Join a voice channel first" in text
    assert "you are now in 'Lounge'" in text
    assert "bot: Now playing **Never Gonna Give You Up**" in text
    assert "player: ▶ Never Gonna Give You Up — Rick Astley" in text
    assert "error: unknown command /dance" in text


async def test_end_of_input_quits(sandbox: Sandbox) -> None:
    def read(prompt: str) -> str:
        raise EOFError

    assert await interactive(sandbox, read, io.StringIO()) == 0


async def test_player_state_when_idle(sandbox: Sandbox) -> None:
    assert sandbox.player_state() == "⏹ nothing playing"
