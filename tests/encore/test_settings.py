"""Settings come from environment variables; a bad value stops start-up naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from encore.errors import SettingsError
from encore.settings import DEFAULT_DISCORD_API_BASE, QueueBackend, load_settings

KEY = "a" * 64


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DISCORD_APPLICATION_ID",
        "DISCORD_PUBLIC_KEY",
        "DISCORD_BOT_TOKEN",
        "DISCORD_API_BASE",
        "DISCORD_GATEWAY_URL",
        "LAVALINK_NODES",
        "ENCORE_QUEUE",
        "ENCORE_SQS_QUEUE_URLS",
        "SHARD_COUNT",
        "SHARDS_PER_GROUP",
        "ENCORE_SHARD_GROUP",
        "REDIS_URL",
        "ENCORE_SKU_TIERS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_defaults_are_the_embedded_sandbox() -> None:
    settings = load_settings()
    assert settings.sandbox
    assert settings.encore_queue is QueueBackend.MEMORY
    assert settings.discord_api_base == DEFAULT_DISCORD_API_BASE
    assert settings.shard_layout.group_count == 1


def test_environment_variables_configure_the_real_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "1000000000000000001")
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", KEY)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "secret-token")
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:9999/api/v10")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:9999/gateway")
    monkeypatch.setenv("LAVALINK_NODES", "eu|http://lava-eu:2333|pw1, us|http://lava-us:2333|pw2")
    monkeypatch.setenv("SHARD_COUNT", "8")
    monkeypatch.setenv("SHARDS_PER_GROUP", "4")
    monkeypatch.setenv("ENCORE_QUEUE", "sqs")
    monkeypatch.setenv(
        "ENCORE_SQS_QUEUE_URLS",
        "http://sqs/1/encore-g0.fifo,http://sqs/1/encore-g1.fifo",
    )
    settings = load_settings()
    assert not settings.sandbox
    assert settings.discord_application_id == 1000000000000000001
    assert [n.name for n in settings.lavalink_nodes] == ["eu", "us"]
    assert settings.lavalink_nodes[1].password.get_secret_value() == "pw2"
    assert settings.shard_layout.group_count == 2
    assert "secret-token" not in repr(settings)  # secrets never end up in logs


def test_redis_and_sku_tiers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ENCORE_SKU_TIERS", "1111111111111111111=premium, 2222222222222222222=pro")
    settings = load_settings()
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.encore_sku_tiers == {1111111111111111111: "premium", 2222222222222222222: "pro"}


def test_lavalink_nodes_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAVALINK_NODES", '[{"name": "main", "uri": "http://lavalink:2333", "password": "x"}]')
    assert load_settings().lavalink_nodes[0].uri == "http://lavalink:2333"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SHARD_COUNT=3\n")
    assert load_settings().shard_count == 3


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DISCORD_PUBLIC_KEY", "not-hex", "64 hexadecimal"),
        ("DISCORD_APPLICATION_ID", "abc", "integer"),
        ("SHARD_COUNT", "0", "greater than or equal to 1"),
        ("SHARDS_PER_GROUP", "-1", "greater than or equal to 1"),
        ("ENCORE_QUEUE", "kafka", "memory"),  # lists what is allowed
        ("LAVALINK_NODES", "main|http://x:2333", "name|http://host:2333|password"),
        ("LAVALINK_NODES", "a|ftp://x|pw", "uri"),
        ("LAVALINK_NODES", "a|http://x:1|p,a|http://y:2|p", "unique"),
        ("DISCORD_API_BASE", "discord.com", "should match"),
        ("ENCORE_SHARD_GROUP", "1", "below the number of shard groups"),
        ("REDIS_URL", "localhost:6379", "should match"),
        ("ENCORE_SKU_TIERS", "premium", "1234567890123456789=premium"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert says in str(caught.value)


def test_sqs_needs_one_fifo_queue_per_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_QUEUE", "sqs")
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARDS_PER_GROUP", "2")
    monkeypatch.setenv("ENCORE_SQS_QUEUE_URLS", "http://sqs/1/g0.fifo")
    with pytest.raises(SettingsError, match=r"ENCORE_SQS_QUEUE_URLS: .*expected 2, got 1"):
        load_settings()
    monkeypatch.setenv("ENCORE_SQS_QUEUE_URLS", "http://sqs/1/g0.fifo,http://sqs/1/g1")
    with pytest.raises(SettingsError, match="FIFO"):
        load_settings()


def test_source_fallback_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().encore_source_fallback == ["ytsearch", "scsearch"]
    monkeypatch.setenv("ENCORE_SOURCE_FALLBACK", " scsearch , ytmsearch: ,")
    assert load_settings().encore_source_fallback == ["scsearch", "ytmsearch"]


@pytest.mark.parametrize("value", ["youtube", "", "yt search", "ytsearch,http"])
def test_a_bad_source_fallback_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ENCORE_SOURCE_FALLBACK", value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert raised.value.variable == "ENCORE_SOURCE_FALLBACK"


def test_lease_driven_shard_groups_need_redis_and_an_ecs_friendly_stop_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ENCORE_SHARD_GROUPS", raising=False)
    assert load_settings().encore_shard_groups == "pinned"  # one group per task, as before
    monkeypatch.setenv("ENCORE_SHARD_GROUPS", "auto")
    with pytest.raises(SettingsError, match="ENCORE_SHARD_GROUPS: auto needs REDIS_URL"):
        load_settings()
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = load_settings()
    assert (settings.encore_lease_ttl_seconds, settings.encore_stop_timeout) == (15.0, 110.0)
    monkeypatch.setenv("ENCORE_STOP_TIMEOUT", "150")  # ECS kills a task 120 s after SIGTERM at most
    with pytest.raises(SettingsError, match="ENCORE_STOP_TIMEOUT"):
        load_settings()
