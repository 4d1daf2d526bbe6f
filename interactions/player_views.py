"""How the front shows a player snapshot: ``/nowplaying`` and the pages of ``/queue``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from encore.custom_ids import PageDirection, QueuePage, encode
from encore.durations import clock_text
from encore.i18n import translate
from encore.player_snapshot import PlayerSnapshot, TrackSnapshot, queue_page
from interactions.responses import Components

__all__ = ["now_playing_text", "queue_view"]


def _escape(text: str) -> str:
    special = "\\*_~`|>[]()#-"
    cleaned = "".join(f"\\{c}" if c in special else c for c in text)
    return cleaned.replace("@", "@\u200b")


def _length(track: TrackSnapshot, locale: str) -> str:
    return translate("front.live", locale) if track.is_stream else clock_text(track.length_ms)


def now_playing_text(snapshot: PlayerSnapshot | None, locale: str, now: datetime) -> str:
    if snapshot is None or snapshot.current is None:
        return translate("front.nothing_playing", locale)
    track = snapshot.current
    return translate(
        "front.now_paused" if snapshot.paused else "front.now_playing",
        locale,
        title=_escape(track.title),
        author=_escape(track.author),
        position=clock_text(snapshot.estimated_position_ms(now)),
        length=_length(track, locale),
    )


def queue_view(
    snapshot: PlayerSnapshot | None, guild_id: int, page: int, locale: str, now: datetime
) -> tuple[str, Components]:
    """The text of one queue page (with what is playing) and its prev/next buttons."""
    header = now_playing_text(snapshot, locale, now)
    if snapshot is None or not snapshot.queue:
        return f"{header}\n{translate('front.queue_empty', locale)}", []
    shown = queue_page(snapshot, page)
    lines = [
        header,
        translate(
            "front.queue_title",
            locale,
            page=shown.page,
            pages=shown.pages,
            total=shown.total,
            duration=clock_text(shown.total_length_ms),
        ),
    ]
    for position, track in shown.items:
        lines.append(
            translate(
                "front.queue_item",
                locale,
                position=position,
                title=_escape(track.title),
                author=_escape(track.author),
                length=_length(track, locale),
            )
        )
    text = "\n".join(lines)
    return text[:2000], _page_buttons(guild_id, shown.page, shown.pages)


def _page_buttons(guild_id: int, page: int, pages: int) -> Components:
    if pages <= 1:
        return []
    buttons: list[dict[str, Any]] = [
        {
            "type": 2,
            "style": 2,
            "label": "◀",
            "custom_id": encode(QueuePage(guild_id, PageDirection.PREV, max(1, page - 1))),
            "disabled": page <= 1,
        },
        {
            "type": 2,
            "style": 2,
            "label": "▶",
            "custom_id": encode(QueuePage(guild_id, PageDirection.NEXT, min(pages, page + 1))),
            "disabled": page >= pages,
        },
    ]
    return [{"type": 1, "components": buttons}]
