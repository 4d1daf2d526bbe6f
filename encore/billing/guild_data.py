"""A guild's settings and saved playlists: validation and the database steps (bound parameters only).

Every query filters by the guild id, so one guild's playlist ids never reach another guild's data.
Tier limits (playlists, playlist size) are checked inside the caller's transaction, after the
guild's row is locked, so two concurrent creates cannot both pass the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from encore.billing.errors import InvalidInputError, LimitExceededError, NotFoundError
from encore.billing.views import (
    MAX_GENRE,
    MAX_NAME,
    MAX_TRACKS_PER_REQUEST,
    Actor,
    GuildSettingsPatch,
    GuildSettingsView,
    PlayerModesView,
    PlaylistDetailView,
    PlaylistTrackView,
    PlaylistView,
    TrackInput,
)
from encore.db.models import GuildSettings, Playlist, PlaylistTrack
from encore.tiers import Tier

__all__ = [
    "add_tracks",
    "announce_channel",
    "check_name",
    "check_patch",
    "check_tracks",
    "count_playlists",
    "create_playlist",
    "delete_playlist",
    "list_playlists",
    "patch_settings",
    "player_modes",
    "playlist_detail",
    "set_player_modes",
    "settings_view",
]


def check_patch(patch: GuildSettingsPatch) -> None:
    for genre in patch.genre_preferences:
        if not 1 <= len(genre) <= MAX_GENRE:
            raise InvalidInputError(f"Each genre must be 1 to {MAX_GENRE} characters.")


def check_name(name: str) -> None:
    if not name.strip() or len(name) > MAX_NAME:
        raise InvalidInputError(f"A playlist name must be 1 to {MAX_NAME} characters, not all spaces.")


def check_tracks(tracks: Sequence[TrackInput]) -> None:
    if not 1 <= len(tracks) <= MAX_TRACKS_PER_REQUEST:
        raise InvalidInputError(f"Add 1 to {MAX_TRACKS_PER_REQUEST} tracks at a time.")


async def announce_channel(session: AsyncSession, guild_id: int) -> int | None:
    stmt = select(GuildSettings.announce_channel_id).where(GuildSettings.guild_id == guild_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def _settings_view(guild_id: int, row: GuildSettings | None) -> GuildSettingsView:
    if row is None:
        return GuildSettingsView(
            guild_id=guild_id,
            dj_role_id=None,
            default_volume=100,
            announce_channel_id=None,
            language=None,
            vote_skip_ratio=50,
            genre_preferences=[],
            updated_at=None,
        )
    return GuildSettingsView(
        guild_id=guild_id,
        dj_role_id=row.dj_role_id,
        default_volume=row.default_volume,
        announce_channel_id=row.announce_channel_id,
        language=row.language,
        vote_skip_ratio=row.vote_skip_ratio,
        genre_preferences=list(row.genre_preferences),
        updated_at=row.updated_at,
    )


async def settings_view(session: AsyncSession, guild_id: int) -> GuildSettingsView:
    return _settings_view(guild_id, await session.get(GuildSettings, guild_id))


async def patch_settings(
    session: AsyncSession, guild_id: int, patch: GuildSettingsPatch, now: datetime
) -> GuildSettingsView:
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = GuildSettings(guild_id=guild_id, default_volume=100, vote_skip_ratio=50, genre_preferences=[])
        session.add(row)
    for name, value in patch.changes().items():
        setattr(row, name, list(value) if isinstance(value, list) else value)
    row.updated_at = now
    await session.flush()
    return _settings_view(guild_id, row)


def _modes_view(guild_id: int, row: GuildSettings | None) -> PlayerModesView:
    if row is None:
        return PlayerModesView(guild_id=guild_id, always_on=False, autoplay_channel_id=None)
    return PlayerModesView(
        guild_id=guild_id, always_on=row.always_on, autoplay_channel_id=row.autoplay_channel_id
    )


async def player_modes(session: AsyncSession, guild_id: int) -> PlayerModesView:
    return _modes_view(guild_id, await session.get(GuildSettings, guild_id))


async def set_player_modes(
    session: AsyncSession, guild_id: int, changes: dict[str, object], now: datetime
) -> PlayerModesView:
    """Set ``always_on`` and/or ``autoplay_channel_id`` (the keys present in ``changes``)."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = GuildSettings(guild_id=guild_id, default_volume=100, vote_skip_ratio=50, genre_preferences=[])
        session.add(row)
    for name in ("always_on", "autoplay_channel_id"):
        if name in changes:
            setattr(row, name, changes[name])
    row.updated_at = now
    await session.flush()
    return _modes_view(guild_id, row)


async def count_playlists(session: AsyncSession, guild_id: int) -> int:
    stmt = select(func.count()).select_from(Playlist).where(Playlist.guild_id == guild_id)
    return int((await session.execute(stmt)).scalar_one())


def _playlist_view(row: Playlist, count: int) -> PlaylistView:
    return PlaylistView(
        id=row.id,
        guild_id=row.guild_id,
        name=row.name,
        track_count=count,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def playlists_query(guild_id: int) -> Select[Playlist, Any]:
    """The guild's playlists by name, each with its track count."""
    counts = (
        select(PlaylistTrack.playlist_id, func.count().label("n"))
        .join(Playlist, Playlist.id == PlaylistTrack.playlist_id)
        .where(Playlist.guild_id == guild_id)
        .group_by(PlaylistTrack.playlist_id)
        .subquery()
    )
    return (
        select(Playlist, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.playlist_id == Playlist.id)
        .where(Playlist.guild_id == guild_id)
        .order_by(Playlist.name, Playlist.id)
    )


async def list_playlists(session: AsyncSession, guild_id: int) -> list[PlaylistView]:
    rows = (await session.execute(playlists_query(guild_id))).all()
    return [_playlist_view(row, int(n)) for row, n in rows]


async def _playlist(session: AsyncSession, guild_id: int, playlist_id: int) -> Playlist:
    if not 0 < playlist_id < 2**63:
        raise NotFoundError("There is no such playlist on this server.")
    stmt = select(Playlist).where(Playlist.id == playlist_id, Playlist.guild_id == guild_id)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFoundError("There is no such playlist on this server.")
    return row


async def _tracks(session: AsyncSession, playlist_id: int) -> list[PlaylistTrackView]:
    stmt = (
        select(PlaylistTrack).where(PlaylistTrack.playlist_id == playlist_id).order_by(PlaylistTrack.position)
    )
    return [
        PlaylistTrackView(position=t.position, title=t.title, uri=t.uri, duration_ms=t.duration_ms)
        for t in (await session.execute(stmt)).scalars()
    ]


async def playlist_detail(session: AsyncSession, guild_id: int, playlist_id: int) -> PlaylistDetailView:
    row = await _playlist(session, guild_id, playlist_id)
    tracks = await _tracks(session, row.id)
    return PlaylistDetailView(**_playlist_view(row, len(tracks)).model_dump(), tracks=tracks)


async def create_playlist(
    session: AsyncSession, guild_id: int, name: str, actor: Actor, tier: Tier, now: datetime
) -> PlaylistView:
    if await count_playlists(session, guild_id) >= tier.playlists:
        raise LimitExceededError(
            f"The {tier.display_name} plan allows {tier.playlists} playlists; delete one or upgrade."
        )
    taken = select(Playlist.id).where(Playlist.guild_id == guild_id, Playlist.name == name)
    if (await session.execute(taken)).first() is not None:
        raise InvalidInputError("This server already has a playlist with that name.")
    row = Playlist(guild_id=guild_id, name=name, created_by=actor.id, created_at=now)
    session.add(row)
    await session.flush()
    return _playlist_view(row, 0)


async def delete_playlist(session: AsyncSession, guild_id: int, playlist_id: int) -> PlaylistView:
    row = await _playlist(session, guild_id, playlist_id)
    view = _playlist_view(row, len(await _tracks(session, row.id)))
    await session.delete(row)
    await session.flush()
    return view


async def add_tracks(
    session: AsyncSession, guild_id: int, playlist_id: int, tracks: Sequence[TrackInput], tier: Tier
) -> PlaylistDetailView:
    row = await _playlist(session, guild_id, playlist_id)
    stmt = select(func.coalesce(func.max(PlaylistTrack.position), -1), func.count()).where(
        PlaylistTrack.playlist_id == row.id
    )
    last, count = (await session.execute(stmt)).one()
    if count + len(tracks) > tier.playlist_size:
        raise LimitExceededError(
            f"The {tier.display_name} plan allows {tier.playlist_size} tracks a playlist "
            f"({count} saved); remove some or upgrade."
        )
    for offset, track in enumerate(tracks, start=1):
        session.add(
            PlaylistTrack(
                playlist_id=row.id,
                position=last + offset,
                title=track.title,
                uri=track.uri,
                duration_ms=track.duration_ms,
            )
        )
    await session.flush()
    return await playlist_detail(session, guild_id, playlist_id)
