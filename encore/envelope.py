"""The command envelope: what the front puts on the queue for the audio fleet.

It is a versioned wire type (JSON). The front builds it from a verified interaction; the fleet
parses it with :meth:`CommandEnvelope.from_json`, which refuses versions it does not know with an
:class:`~encore.errors.EnvelopeError` instead of guessing. Snowflakes travel as JSON strings, as
Discord sends them, so no consumer in another language loses precision.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from encore.commands import OptionValue
from encore.errors import EnvelopeError

__all__ = [
    "DISCORD_EPOCH",
    "ENVELOPE_VERSION",
    "INTERACTION_TOKEN_LIFETIME",
    "CommandEnvelope",
    "EntitlementRef",
    "snowflake_time",
]

ENVELOPE_VERSION: Final = 1
#: Discord keeps an interaction token valid for follow-ups this long after the interaction.
INTERACTION_TOKEN_LIFETIME: Final = timedelta(minutes=15)

#: Time zero of Discord snowflakes.
DISCORD_EPOCH: Final = datetime(2015, 1, 1, tzinfo=UTC)

Snowflake = Annotated[int, Field(gt=0), PlainSerializer(str, return_type=str)]


class EntitlementRef(BaseModel):
    """A Discord App Subscription entitlement carried by the interaction."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Snowflake
    sku_id: Snowflake
    ends_at: datetime | None = None


class CommandEnvelope(BaseModel):
    """One user command, as received by the front, for the fleet to carry out."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    version: Literal[1] = ENVELOPE_VERSION
    interaction_id: Snowflake
    interaction_token: str = Field(min_length=1, max_length=500)
    application_id: Snowflake
    guild_id: Snowflake
    channel_id: Snowflake
    user_id: Snowflake
    locale: str = Field(default="en-US", max_length=16)
    guild_locale: str | None = Field(default=None, max_length=16)
    command: str = Field(pattern=r"^[\w-]{1,32}$")
    options: dict[str, OptionValue] = Field(default_factory=dict)
    member_permissions: int = Field(default=0, ge=0)
    member_roles: tuple[Snowflake, ...] = ()
    entitlements: tuple[EntitlementRef, ...] = ()
    received_at: datetime

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> CommandEnvelope:
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "envelope"
            raise EnvelopeError(
                f"not a v{ENVELOPE_VERSION} command envelope: {where}: {first['msg']}"
            ) from None

    @property
    def issued_at(self) -> datetime:
        """When Discord created the interaction (its token's 15 minutes start then).

        The interaction id is a snowflake carrying its creation time; the front's ``received_at``
        is at most a few seconds later. The earlier of the two is used, so a front clock running
        ahead cannot stretch the token's life. A snowflake time more than a token lifetime before
        ``received_at`` cannot be a real interaction's (Discord delivers them at once), so then
        ``received_at`` alone is used.
        """
        received = self.received_at if self.received_at.tzinfo else self.received_at.replace(tzinfo=UTC)
        created = snowflake_time(self.interaction_id)
        if created < received - INTERACTION_TOKEN_LIFETIME:
            return received
        return min(created, received)

    def token_expired(self, now: datetime) -> bool:
        """True when Discord no longer accepts replies on this interaction's token."""
        return now - self.issued_at >= INTERACTION_TOKEN_LIFETIME


def snowflake_time(snowflake: int) -> datetime:
    """The creation time encoded in a Discord snowflake (milliseconds since 2015-01-01 UTC)."""
    return DISCORD_EPOCH + timedelta(milliseconds=snowflake >> 22)
