"""`encore` for an operator: a bad setting stops every command before it touches anything, naming
the variable; `encore run` without credentials is the interactive sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from encore_cli.main import main


@pytest.fixture(autouse=True)
def _fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "DISCORD_BOT_TOKEN", "DISCORD_PUBLIC_KEY", "ENCORE_QUEUE", "LAVALINK_NODES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["sandbox", "-c", "/help"],
        ["serve"],
        ["fleet"],
        ["migrate"],
        ["billing-jobs"],
        ["register-commands"],
    ],
)
def test_a_bad_setting_stops_every_command_naming_the_variable_and_touching_nothing(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "lots")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("encore: DATABASE_POOL_SIZE: ")
    assert "Traceback" not in captured.err
    assert list(tmp_path.iterdir()) == []  # no embedded database created on the way out


def test_run_without_credentials_is_the_interactive_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(":state\n:quit\n"))
    assert main(["run", "--port", "0"]) == 0
    out = capsys.readouterr().out
    assert "front listening on http://127.0.0.1:" in out
    assert "Encore sandbox: you are in the voice channel 'Lounge'" in out
    assert "  player: " in out
    assert (tmp_path / "encore.db").exists()  # the embedded database, created and migrated
