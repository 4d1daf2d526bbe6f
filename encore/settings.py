"""Encore's configuration, read from environment variables (and an optional ``.env`` file).

One :class:`Settings` object is built at start by :func:`load_settings`; invalid values fail right
there with a :class:`~encore.errors.SettingsError` that names the variable to fix. Nothing reads the
environment anywhere else.

With no ``DISCORD_BOT_TOKEN`` Encore runs in *sandbox* mode: everything in one process against the
built-in Discord and Lavalink simulators (see :mod:`encore.simulators`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from encore.errors import SettingsError
from encore.routing import ShardLayout

if TYPE_CHECKING:
    from encore.tiers import Tier

__all__ = [
    "DEFAULT_DISCORD_API_BASE",
    "LavalinkNode",
    "QueueBackend",
    "Settings",
    "ShardGroupMode",
    "load_settings",
]

DEFAULT_DISCORD_API_BASE: Final = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL: Final = "wss://gateway.discord.gg/"
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


class QueueBackend(StrEnum):
    MEMORY = "memory"
    SQS = "sqs"


class ShardGroupMode(StrEnum):
    """``pinned``: run ENCORE_SHARD_GROUP only; ``auto``: take a fair share of groups by Redis leases."""

    PINNED = "pinned"
    AUTO = "auto"


class LavalinkNode(BaseModel, frozen=True):
    """One Lavalink node the fleet connects to."""

    name: str = Field(min_length=1, max_length=64)
    uri: str = Field(pattern=r"^https?://[^\s/]+(:\d+)?/?$")
    password: SecretStr


def _parse_lavalink_nodes(value: Any) -> Any:
    """Accept a JSON array of ``{name, uri, password}`` or comma-separated ``name|uri|password``."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    nodes = []
    for entry in text.split(","):
        parts = entry.strip().split("|")
        if len(parts) != 3:
            raise ValueError(f"entry {entry.strip()!r} must look like name|http://host:2333|password")
        name, uri, password = (p.strip() for p in parts)
        nodes.append({"name": name, "uri": uri, "password": password})
    return nodes


def _parse_url_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [u.strip() for u in text.split(",") if u.strip()]
    return value


class Settings(BaseSettings):
    """Every setting, named exactly as its environment variable (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    discord_application_id: int | None = Field(default=None, gt=0)
    discord_public_key: str | None = None
    discord_bot_token: SecretStr | None = None
    discord_api_base: str = Field(default=DEFAULT_DISCORD_API_BASE, pattern=r"^https?://\S+$")
    discord_gateway_url: str = Field(default=DEFAULT_DISCORD_GATEWAY_URL, pattern=r"^wss?://\S+$")
    lavalink_nodes: Annotated[list[LavalinkNode], NoDecode] = Field(default_factory=list)
    encore_queue: QueueBackend = QueueBackend.MEMORY
    encore_sqs_queue_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    encore_queue_wait_seconds: int = Field(default=20, ge=0, le=20)
    redis_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://\S+$")
    encore_sku_tiers: Annotated[dict[int, str], NoDecode] = Field(default_factory=dict)
    aws_endpoint_url: str | None = None
    aws_region: str = Field(default="us-east-1", min_length=1)
    shard_count: int = Field(default=1, ge=1, le=100_000)
    shards_per_group: int = Field(default=1, ge=1, le=100_000)
    encore_shard_group: int = Field(default=0, ge=0)
    encore_shard_groups: ShardGroupMode = ShardGroupMode.PINNED
    encore_lease_ttl_seconds: float = Field(default=15.0, ge=0.3, le=300)
    encore_stop_timeout: float = Field(default=110.0, gt=0, le=120)
    encore_snapshot_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    encore_identify_reserve: int = Field(default=50, ge=0, le=1000)
    encore_identify_window_seconds: float = Field(default=5.0, ge=0, le=60)
    encore_lease_prefix: str = Field(default="encore:fleet:", pattern=r"^[^|\s]{1,100}$")
    encore_log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    #: The fleet leaves a voice channel with no listener after this long (24/7 guilds stay).
    encore_alone_timeout_seconds: float = Field(default=120.0, gt=0, le=86_400)
    #: The fleet leaves a voice channel where nothing played or was queued for this long.
    encore_idle_timeout_seconds: float = Field(default=300.0, gt=0, le=86_400)
    database_url: str = Field(
        default="sqlite+aiosqlite:///./encore.db", pattern=r"^(postgresql\+asyncpg|sqlite\+aiosqlite)://\S*$"
    )
    database_read_url: str | None = Field(
        default=None, pattern=r"^(postgresql\+asyncpg|sqlite\+aiosqlite)://\S*$"
    )
    database_pool_size: int = Field(default=10, ge=1, le=1000)
    database_max_overflow: int = Field(default=10, ge=0, le=1000)
    encore_tiers: str | None = None
    encore_health_port: int = Field(default=8080, ge=0, le=65_535)
    encore_queue_visibility_seconds: int = Field(default=60, ge=1, le=43_200)
    encore_queue_max_receives: int = Field(default=5, ge=1, le=1000)
    #: Search prefixes tried in turn when a source fails to load a search (``ytsearch,scsearch``).
    encore_source_fallback: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["ytsearch", "scsearch"], min_length=1
    )
    #: A Lavalink node that sends nothing (no stats, no player updates) for this long is reconnected.
    encore_node_silence_seconds: float = Field(default=90.0, gt=0, le=3600)

    @field_validator("discord_public_key")
    @classmethod
    def _public_key_is_hex(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_KEY.match(value):
            raise ValueError("must be the application's public key: 64 hexadecimal characters")
        return value

    @field_validator("lavalink_nodes", mode="before")
    @classmethod
    def _nodes(cls, value: Any) -> Any:
        return _parse_lavalink_nodes(value)

    @field_validator("encore_source_fallback", mode="before")
    @classmethod
    def _fallback(cls, value: Any) -> Any:
        """Comma-separated Lavalink search prefixes, e.g. ``ytsearch,scsearch``."""
        if isinstance(value, str):
            value = [p.strip().removesuffix(":").lower() for p in value.split(",") if p.strip()]
        if isinstance(value, list):
            for prefix in value:
                if not isinstance(prefix, str) or not re.fullmatch(r"[a-z]{2,20}search", prefix):
                    raise ValueError(
                        f"{prefix!r} is not a Lavalink search prefix such as ytsearch or scsearch"
                    )
        return value

    @field_validator("encore_sqs_queue_urls", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        return _parse_url_list(value)

    @field_validator("encore_sku_tiers", mode="before")
    @classmethod
    def _sku_tiers(cls, value: Any) -> Any:
        """``sku_id=tier`` pairs separated by commas, e.g. ``1234567890123456789=premium``."""
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for entry in filter(None, (e.strip() for e in value.split(","))):
            sku, sep, tier = entry.partition("=")
            if not sep or not sku.strip().isdigit() or not tier.strip():
                raise ValueError(f"entry {entry!r} must look like 1234567890123456789=premium")
            pairs[sku.strip()] = tier.strip()
        return pairs

    @field_validator("encore_tiers")
    @classmethod
    def _tiers_parse(cls, value: str | None) -> str | None:
        from encore.tiers import parse_tiers

        parse_tiers(value)  # a TierConfigError (a ValueError) names the tier and field
        return value

    @property
    def tiers(self) -> Mapping[str, Tier]:
        """The tiers: the defaults with ``ENCORE_TIERS`` applied."""
        from encore.tiers import parse_tiers

        return parse_tiers(self.encore_tiers)

    @field_validator("lavalink_nodes")
    @classmethod
    def _unique_node_names(cls, nodes: list[LavalinkNode]) -> list[LavalinkNode]:
        names = [n.name for n in nodes]
        if len(set(names)) != len(names):
            raise ValueError("node names must be unique")
        return nodes

    @model_validator(mode="before")
    @classmethod
    def _expand_queue_url_pattern(cls, data: Any) -> Any:
        """One queue URL containing ``{group}`` stands for the queues of groups 0..N-1.

        template.yaml sets it this way: CloudFormation cannot build a list of per-group URLs.
        """
        if not isinstance(data, dict):
            return data
        urls = data.get("encore_sqs_queue_urls")
        if not isinstance(urls, str) or "{group}" not in urls:
            return data
        pattern = urls.strip()
        if "," in pattern or pattern.startswith("["):
            raise _FieldProblemError("encore_sqs_queue_urls", "a URL with {group} must be the only one")
        try:
            layout = ShardLayout(int(data.get("shard_count", 1)), int(data.get("shards_per_group", 1)))
        except (TypeError, ValueError):
            return data  # the fields' own validation names the bad number
        expanded = ",".join(pattern.replace("{group}", str(g)) for g in range(layout.group_count))
        return {**data, "encore_sqs_queue_urls": expanded}

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        layout = self.shard_layout
        if self.encore_shard_group >= layout.group_count:
            raise _FieldProblemError(
                "encore_shard_group",
                f"must be below the number of shard groups ({layout.group_count})",
            )
        if self.encore_shard_groups is ShardGroupMode.AUTO and not self.redis_url:
            raise _FieldProblemError("encore_shard_groups", "auto needs REDIS_URL (for the leases)")
        if self.encore_queue is QueueBackend.SQS:
            urls = self.encore_sqs_queue_urls
            if len(urls) != layout.group_count:
                raise _FieldProblemError(
                    "encore_sqs_queue_urls",
                    f"ENCORE_QUEUE=sqs needs one queue URL per shard group: expected "
                    f"{layout.group_count}, got {len(urls)}",
                )
            if any(not u.endswith(".fifo") for u in urls):
                raise _FieldProblemError("encore_sqs_queue_urls", "queues must be FIFO (.fifo)")
        return self

    @property
    def shard_layout(self) -> ShardLayout:
        return ShardLayout(self.shard_count, self.shards_per_group)

    @property
    def sandbox(self) -> bool:
        """True when no bot token is configured: run against the built-in simulators."""
        return self.discord_bot_token is None


class _FieldProblemError(ValueError):
    """A cross-field problem that still belongs to one variable."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (plus explicit overrides), or raise SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _FieldProblemError):
            raise SettingsError(cause.field.upper(), cause.problem) from None
        location = error.get("loc") or ("settings",)
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        detail = " (at " + ".".join(str(p) for p in location[1:]) + ")" if len(location) > 1 else ""
        raise SettingsError(str(location[0]).upper(), f"{message}{detail}") from None
