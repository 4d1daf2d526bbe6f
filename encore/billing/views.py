"""What the billing service takes and returns: JSON-able pydantic views and small request types.

These are the wire types of the REST API too (``interactions/api`` returns them as they are), so
every string has a length limit and every number a range: bad input is refused with a clear message
before it reaches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from encore.guild_settings import GuildPreferences

__all__ = [
    "MAX_NAME",
    "MAX_TRACKS_PER_REQUEST",
    "Actor",
    "ChangeView",
    "EntitlementEvent",
    "GuildSettingsPatch",
    "GuildSettingsView",
    "IdempotencyRequest",
    "LedgerEntryView",
    "LedgerPage",
    "PlayerModesView",
    "PlaylistDetailView",
    "PlaylistTrackView",
    "PlaylistView",
    "ScheduledRunReport",
    "SubscriptionView",
    "TrackInput",
    "UsageMetricView",
    "UsageView",
    "UsageWarningView",
]

MAX_NAME = 100  #: playlist names
MAX_TITLE = 200
MAX_URI = 500
MAX_TRACKS_PER_REQUEST = 100
MAX_GENRES = 20
MAX_GENRE = 32

Snowflake = int


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, for the audit log: ``kind`` is user, admin_key, discord or system.

    The API builds it from the authenticated caller; fields longer than the audit log's columns
    (id 100, source 32, ip 64 characters) are refused rather than cut.
    """

    id: str
    kind: Literal["user", "admin_key", "discord", "system"] = "user"
    source: str = "api"  #: api, webhook, scheduler, cli, ...
    ip: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.id) <= 100 or not 1 <= len(self.source) <= 32 or len(self.ip or "") > 64:
            raise ValueError("an actor's id, source or ip is empty or too long for the audit log")


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    """An ``Idempotency-Key`` with the request it came with.

    ``fingerprint`` identifies the request (e.g. a SHA-256 of method, path and body); ``principal``
    is who sent it (keys are per principal, so two callers never collide).
    """

    key: str
    fingerprint: str
    principal: str


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubscriptionView(_View):
    guild_id: Snowflake
    status: Literal["none", "trialing", "active", "past_due", "canceled", "expired"]
    tier: str  #: the tier in effect now (the subscription's or a Discord entitlement's, else free)
    plan_tier: str | None  #: the subscription's tier, when there is one
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    pending_tier: str | None  #: a downgrade that takes effect at period end
    trial_used: bool
    price_minor: int | None  #: the price per period the subscription is on, in minor units
    currency: str | None
    allowed_actions: list[str]


class LedgerEntryView(_View):
    id: int
    kind: Literal["charge", "credit"]
    reason: str  #: subscription, renewal, proration_charge, proration_credit, cancellation_credit
    amount_minor: int = Field(ge=0)
    currency: str
    tier: str
    period_start: datetime
    period_end: datetime
    description: str
    balance_after_minor: int = Field(ge=0)  #: charges minus credits so far, never negative
    created_at: datetime


class ChangeView(_View):
    change: str  #: subscribed, converted, upgraded, downgraded, downgrade_scheduled
    subscription: SubscriptionView
    lines: list[LedgerEntryView]
    net_minor: int  #: charges minus credits of this change (negative = a net credit)


class LedgerPage(_View):
    items: list[LedgerEntryView]
    next_cursor: str | None


class UsageMetricView(_View):
    name: str
    used: int
    limit: int
    percent: int
    warnings_sent: list[int]  #: thresholds already recorded this period (80, 100)


class UsageView(_View):
    guild_id: Snowflake
    tier: str
    period_start: datetime
    period_end: datetime
    metrics: list[UsageMetricView]


class UsageWarningView(_View):
    id: int
    guild_id: Snowflake
    metric: str
    threshold: int
    used: int
    limit: int
    period_start: datetime
    announce_channel_id: Snowflake | None


class GuildSettingsView(_View):
    guild_id: Snowflake
    dj_role_id: Snowflake | None
    default_volume: int
    announce_channel_id: Snowflake | None
    language: str | None
    vote_skip_ratio: int
    genre_preferences: list[str]
    updated_at: datetime | None

    def preferences(
        self, *, always_on: bool = False, autoplay_channel_id: int | None = None
    ) -> GuildPreferences:
        """What the front and the fleet read of these settings (the player modes are kept apart)."""
        return GuildPreferences(
            dj_role_id=self.dj_role_id,
            default_volume=self.default_volume,
            announce_channel_id=self.announce_channel_id,
            language=self.language,
            vote_skip_ratio=self.vote_skip_ratio,
            genre_preferences=tuple(self.genre_preferences),
            always_on=always_on,
            autoplay_channel_id=autoplay_channel_id,
        )


class PlayerModesView(_View):
    """The player modes the fleet keeps in the guild's settings (not part of the REST API)."""

    guild_id: Snowflake
    always_on: bool  #: ``/247``
    autoplay_channel_id: Snowflake | None  #: ``/autoplay`` is on, speaking in this channel


class GuildSettingsPatch(BaseModel):
    """Only the fields present are changed; ``null`` clears a nullable one."""

    model_config = ConfigDict(extra="forbid")

    dj_role_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    default_volume: int = Field(default=100, ge=0, le=1000)
    announce_channel_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    vote_skip_ratio: int = Field(default=50, ge=1, le=100)
    genre_preferences: list[str] = Field(default_factory=list, max_length=MAX_GENRES)

    def changes(self) -> dict[str, object]:
        """The fields the caller set, with their values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class TrackInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    uri: str = Field(min_length=1, max_length=MAX_URI)
    duration_ms: int = Field(default=0, ge=0, le=7 * 24 * 3600 * 1000)


class PlaylistTrackView(_View):
    position: int
    title: str
    uri: str
    duration_ms: int


class PlaylistView(_View):
    id: int
    guild_id: Snowflake
    name: str
    track_count: int
    created_by: str
    created_at: datetime


class PlaylistDetailView(PlaylistView):
    tracks: list[PlaylistTrackView]


class EntitlementEvent(BaseModel):
    """A Discord ENTITLEMENT_CREATE/UPDATE/DELETE webhook event, reduced to what decides a tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["ENTITLEMENT_CREATE", "ENTITLEMENT_UPDATE", "ENTITLEMENT_DELETE"]
    entitlement_id: Snowflake = Field(gt=0, lt=2**63)
    sku_id: Snowflake = Field(gt=0, lt=2**63)
    guild_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    user_id: Snowflake | None = Field(default=None, gt=0, lt=2**63)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    deleted: bool = False


class ScheduledRunReport(_View):
    trials_expired: int = 0
    expired: int = 0
    canceled: int = 0
    renewed: int = 0
    downgraded: int = 0
    usage_periods_closed: int = 0
