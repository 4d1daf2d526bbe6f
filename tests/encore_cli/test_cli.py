"""The `encore` command as a newcomer uses it: exit codes, messages, the scripted sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from encore_cli.main import main


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_BOT_TOKEN", "DISCORD_PUBLIC_KEY", "ENCORE_QUEUE", "SHARD_COUNT", "LAVALINK_NODES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_scripted_sandbox_prints_each_reply(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "sandbox",
            "--command",
            "/play query:never gonna give you up",
            "--command",
            "/play query:daft punk: one more time",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "you> /play query:never gonna give you up" in out
    assert "bot: Now playing **Never Gonna Give You Up** by Rick Astley (`3:33`)" in out
    assert "bot: Queued **One More Time** by Daft Punk" in out
    assert "up next: One More Time" in out


def test_scripted_sandbox_fails_on_a_command_that_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["sandbox", "-c", "/play never gonna"])
    assert status == 1
    assert "error: expected an option (next:, query:) after /play" in capsys.readouterr().out


def test_invalid_setting_stops_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "zero")
    assert main(["run"]) == 2
    assert capsys.readouterr().err.startswith("encore: SHARD_COUNT: ")


def test_standalone_fleet_needs_a_shared_queue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fleet"]) == 2
    assert "ENCORE_QUEUE" in capsys.readouterr().err


def test_fleet_needs_a_token_and_nodes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENCORE_QUEUE", "sqs")
    monkeypatch.setenv("ENCORE_SQS_QUEUE_URLS", "http://127.0.0.1:9/1/g0.fifo")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    assert main(["fleet"]) == 2
    assert "DISCORD_BOT_TOKEN" in capsys.readouterr().err


def test_serve_needs_the_public_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0"]) == 2
    assert "DISCORD_PUBLIC_KEY" in capsys.readouterr().err


def test_register_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register-commands"]) == 2
    assert "DISCORD_BOT_TOKEN" in capsys.readouterr().err
