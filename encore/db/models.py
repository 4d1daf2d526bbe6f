"""The database schema as SQLAlchemy 2 typed models; the same on PostgreSQL and SQLite.

Rules the database itself enforces (not only Python): foreign keys, one trial per guild ever
(``trials.guild_id`` is the primary key), at most one live subscription per guild (a partial unique
index), non-negative amounts and balances (CHECK), one usage warning per guild, period, metric and
threshold. Money is BIGINT minor units. Discord ids (snowflakes) are BIGINT.
Changing a model means a new migration in ``encore/db/migrations/versions`` (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AdminKey",
    "AuditEntry",
    "Base",
    "DiscordEntitlement",
    "Guild",
    "GuildSettings",
    "IdempotencyKey",
    "LedgerEntry",
    "PlayHistory",
    "PlayerState",
    "Playlist",
    "PlaylistTrack",
    "Subscription",
    "Trial",
    "UsageCounter",
    "UsageWarning",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
LIVE_STATUSES_SQL = "status IN ('trialing', 'active', 'past_due')"

#: BIGINT on PostgreSQL; INTEGER on SQLite, where only ``INTEGER PRIMARY KEY`` autoincrements.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both databases (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes stored in the database must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}  # noqa: RUF012


def _id() -> Mapped[int]:
    return mapped_column(Id, primary_key=True, autoincrement=True)


def _guild_fk(**kwargs: Any) -> Mapped[int]:
    return mapped_column(BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), **kwargs)


class Guild(Base):
    """A Discord guild; its row is what a billing change locks. ``balance_minor`` = charges - credits."""

    __tablename__ = "guilds"
    __table_args__ = (CheckConstraint("balance_minor >= 0", name="balance_non_negative"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    created_at: Mapped[datetime]


class GuildSettings(Base):
    __tablename__ = "guild_settings"
    __table_args__ = (
        CheckConstraint("default_volume BETWEEN 0 AND 1000", name="volume_range"),
        CheckConstraint("vote_skip_ratio BETWEEN 1 AND 100", name="vote_skip_range"),
    )

    guild_id: Mapped[int] = _guild_fk(primary_key=True)
    dj_role_id: Mapped[int | None] = mapped_column(BigInteger)
    default_volume: Mapped[int] = mapped_column(Integer, default=100)
    announce_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8))
    vote_skip_ratio: Mapped[int] = mapped_column(Integer, default=50)
    genre_preferences: Mapped[list[str]]
    updated_at: Mapped[datetime]
    #: ``/247``: the player stays in voice when alone or idle (kept across restarts and handoffs).
    always_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: ``/autoplay``: on while set; the channel autoplay speaks in (migration 0002).
    autoplay_channel_id: Mapped[int | None] = mapped_column(BigInteger)


class Trial(Base):
    """One row per guild that ever started a trial: the primary key makes it once per guild."""

    __tablename__ = "trials"

    guild_id: Mapped[int] = _guild_fk(primary_key=True)
    tier: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('trialing', 'active', 'past_due', 'canceled', 'expired')", name="status_known"
        ),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint("segment_charged_minor >= 0", name="segment_non_negative"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        Index(
            "uq_subscriptions_live_guild",
            "guild_id",
            unique=True,
            postgresql_where=text(LIVE_STATUSES_SQL),
            sqlite_where=text(LIVE_STATUSES_SQL),
        ),
        Index("ix_subscriptions_due", "status", "period_end"),
        Index("ix_subscriptions_guild_id_created", "guild_id", "id"),
    )

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    status: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(32))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_tier: Mapped[str | None] = mapped_column(String(32))
    segment_charged_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerEntry(Base):
    """One charge or credit; ``balance_after_minor`` is the guild's balance after it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('charge', 'credit')", name="kind_known"),
        CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
        CheckConstraint("balance_after_minor >= 0", name="balance_non_negative"),
        Index("ix_ledger_entries_guild_id_id", "guild_id", "id"),
    )

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    subscription_id: Mapped[int] = mapped_column(
        Id, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    tier: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    description: Mapped[str] = mapped_column(String(200))
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class UsageCounter(Base):
    __tablename__ = "usage_counters"
    __table_args__ = (CheckConstraint("used >= 0", name="used_non_negative"),)

    guild_id: Mapped[int] = _guild_fk(primary_key=True)
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageWarning(Base):
    """A usage threshold crossed; the unique constraint makes it once per threshold and period."""

    __tablename__ = "usage_warnings"
    __table_args__ = (
        UniqueConstraint("guild_id", "period_start", "metric", "threshold"),
        CheckConstraint("threshold IN (80, 100)", name="threshold_known"),
        Index("ix_usage_warnings_pending", "sent_at", "id"),
    )

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    period_start: Mapped[datetime]
    metric: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(BigInteger)
    quota: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PlayHistory(Base):
    __tablename__ = "play_history"
    __table_args__ = (Index("ix_play_history_guild_id_played_at", "guild_id", "played_at"),)

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    title: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    played_at: Mapped[datetime]


class Playlist(Base):
    __tablename__ = "playlists"
    __table_args__ = (UniqueConstraint("guild_id", "name"),)

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class PlaylistTrack(Base):
    __tablename__ = "playlist_tracks"
    __table_args__ = (
        UniqueConstraint("playlist_id", "position"),
        CheckConstraint("position >= 0", name="position_non_negative"),
        CheckConstraint("duration_ms >= 0", name="duration_non_negative"),
    )

    id: Mapped[int] = _id()
    playlist_id: Mapped[int] = mapped_column(Id, ForeignKey("playlists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class IdempotencyKey(Base):
    """A POST's result, returned again for the same key and request (keys are per principal)."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    guild_id: Mapped[int] = _guild_fk(index=True)
    operation: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(128))
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_guild_id_id", "guild_id", "id"),)

    id: Mapped[int] = _id()
    guild_id: Mapped[int] = _guild_fk()
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]


class DiscordEntitlement(Base):
    """A Discord App Subscription entitlement as last reported (create/update/delete events)."""

    __tablename__ = "discord_entitlements"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    guild_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class PlayerState(Base):
    """The fleet's last player snapshot of a guild (JSON), so a restarted task can resume."""

    __tablename__ = "player_states"

    guild_id: Mapped[int] = _guild_fk(primary_key=True)
    snapshot: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class AdminKey(Base):
    """A back-office API key: only its SHA-256 is stored, with the scopes it grants."""

    __tablename__ = "admin_keys"

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
