"""Wire types of the interaction payloads Discord POSTs (only the fields Encore reads).

Parsing is strict about what Encore relies on (ids are snowflakes, ``type`` is known) and ignores
everything else, so a new Discord field never breaks the front. Bodies are parsed and validated in
one step (``Interaction.model_validate_json``), in pydantic-core, because this runs on every
interaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CommandOption",
    "Interaction",
    "InteractionData",
    "InteractionType",
    "Member",
    "User",
]


#: Discord sends snowflakes as JSON strings; pydantic's own (Rust) lax parsing turns them into ints,
#: which keeps validation off the Python interpreter on the hot path.
Snowflake = Annotated[int, Field(gt=0, lt=2**64)]


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(_Wire):
    id: Snowflake
    username: str = ""


class Member(_Wire):
    user: User
    roles: tuple[Snowflake, ...] = ()
    permissions: Annotated[int, Field(ge=0)] = 0


class CommandOption(_Wire):
    name: str = Field(max_length=32)
    type: int
    value: str | int | float | bool | None = None
    focused: bool = False
    options: tuple[CommandOption, ...] = ()


class InteractionData(_Wire):
    """``data`` of a command or autocomplete (name, options) or of a component (custom_id, values)."""

    id: Snowflake | None = None
    name: str | None = Field(default=None, max_length=32)
    type: int | None = None
    options: tuple[CommandOption, ...] = ()
    custom_id: str | None = Field(default=None, max_length=100)
    component_type: int | None = None
    values: tuple[str, ...] = Field(default=(), max_length=25)


class Entitlement(_Wire):
    """A Discord App Subscription entitlement (``ends_at`` is null until a subscription ends)."""

    id: Snowflake
    sku_id: Snowflake
    ends_at: datetime | None = None


class Interaction(_Wire):
    id: Snowflake
    application_id: Snowflake
    type: InteractionType
    token: str = Field(min_length=1, max_length=500)
    version: int = 1
    data: InteractionData | None = None
    guild_id: Snowflake | None = None
    channel_id: Snowflake | None = None
    member: Member | None = None
    user: User | None = None
    locale: str | None = Field(default=None, max_length=16)
    guild_locale: str | None = Field(default=None, max_length=16)
    entitlements: tuple[Entitlement, ...] = ()

    @property
    def invoking_user(self) -> User | None:
        return self.member.user if self.member is not None else self.user
