"""Request bodies of the REST API: every string bounded, unknown fields refused.

Text may not contain NUL (PostgreSQL cannot store it in text, so it would otherwise fail late):
:data:`NO_NUL` says so in the OpenAPI document too. The settings patch and track inputs are the
service's own models with that rule added.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from encore.billing.views import (
    MAX_GENRE,
    MAX_GENRES,
    MAX_NAME,
    MAX_TITLE,
    MAX_TRACKS_PER_REQUEST,
    MAX_URI,
    GuildSettingsPatch,
    TrackInput,
)

__all__ = [
    "NO_NUL",
    "CancelRequest",
    "ChangeRequest",
    "PlaylistCreate",
    "SettingsPatch",
    "TrackIn",
    "TracksAdd",
    "TrialRequest",
]

NO_NUL: Final = r"^[^\x00]*$"

TierName = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$", examples=["premium"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrialRequest(_Body):
    tier: str = TierName


class ChangeRequest(_Body):
    tier: str = TierName
    when: Literal["now", "period_end"] = Field(
        description="Upgrades take effect now (prorated); downgrades usually at period end."
    )


class CancelRequest(_Body):
    at_period_end: bool = Field(
        default=True, description="Keep the plan until the period ends (false: end it now, with credit)."
    )


class PlaylistCreate(_Body):
    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=NO_NUL)


class TrackIn(TrackInput):
    title: str = Field(min_length=1, max_length=MAX_TITLE, pattern=NO_NUL)
    uri: str = Field(min_length=1, max_length=MAX_URI, pattern=NO_NUL)


class TracksAdd(_Body):
    tracks: list[TrackIn] = Field(min_length=1, max_length=MAX_TRACKS_PER_REQUEST)


class SettingsPatch(GuildSettingsPatch):
    """Only the fields present are changed; ``null`` clears a nullable one."""

    genre_preferences: list[Annotated[str, Field(min_length=1, max_length=MAX_GENRE, pattern=NO_NUL)]] = (
        Field(default_factory=list, max_length=MAX_GENRES)
    )
