"""Every command, button and autocomplete through the front, with its real Redis-backed state.

A user notices: what they are told (in their language), whether the music service got the command,
and that nothing is done twice or refused without a reason.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from encore.commands import CATALOGUE, SUBCOMMAND, CommandSpec, OptionSpec, OptionType, Where
from encore.custom_ids import NowPlayingAction, NowPlayingButton, PageDirection, QueuePage, SearchPick, encode
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildPreferences
from encore.player_snapshot import PlayerSnapshot, RedisSnapshotStore, TrackSnapshot
from encore.queue.memory import InMemoryQueue
from encore.ratelimit import RedisTokenBucket
from encore.recent_searches import RedisRecentSearches
from encore.replay import RedisReplayGuard
from encore.routing import ShardLayout
from interactions.core import InteractionsCore
from interactions.services import FrontServices
from interactions.signature import SignatureVerifier
from tests.signing import DiscordSigner, play_interaction
from tests.signing import encode as encode_json

GUILD = 1_100_000_000_000_000_000
DJ_ROLE = 1_100_000_000_000_000_777
PREMIUM_SKU = 1_300_000_000_000_000_001
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class RecordingTelemetry:
    def __init__(self) -> None:
        self.rejects: list[str] = []
        self.answered_commands: list[str | None] = []

    def interaction(self, interaction_id: int) -> None:
        return None

    def answered(self, command: str | None, latency_ms: float) -> None:
        self.answered_commands.append(command)

    def rejected(self, reason: str) -> None:
        self.rejects.append(reason)

    def queue_failed(self) -> None:
        self.rejects.append("queue_failed")


@dataclass
class FixedSettings:
    prefs: GuildPreferences = field(default_factory=GuildPreferences)

    async def get(self, guild_id: int) -> GuildPreferences:
        return self.prefs


@dataclass
class Front:
    core: InteractionsCore
    signer: DiscordSigner
    queue: InMemoryQueue
    snapshots: RedisSnapshotStore
    telemetry: RecordingTelemetry
    settings: FixedSettings
    ids: Iterator[int]

    async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = encode_json(payload)
        headers = self.signer.headers(body)
        result = await self.core.handle(
            body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"]
        )
        assert result.status == 200, result.body
        return result.body

    async def command(
        self, name: str, options: list[dict[str, Any]] | None = None, **extra: Any
    ) -> dict[str, Any]:
        payload = play_interaction(interaction_id=next(self.ids), guild_id=GUILD)
        payload["data"] = {"id": "1", "name": name, "type": 1, "options": options or []}
        payload.update(extra)
        return await self.send(payload)

    async def queued(self) -> list[CommandEnvelope]:
        return [CommandEnvelope.from_json(m.body) for m in await self.queue.source(0).receive(10, 0)]


@pytest.fixture
async def front(redis: Redis, signer: DiscordSigner) -> AsyncIterator[Front]:
    prefix = f"test:{uuid.uuid4().hex}:"
    queue = InMemoryQueue(ShardLayout())
    snapshots = RedisSnapshotStore(redis, prefix=prefix + "player:")
    services = FrontServices(
        queue=queue,
        limiter=RedisTokenBucket(redis, prefix=prefix + "rl:"),
        replay=RedisReplayGuard(redis, prefix=prefix + "seen:"),
        snapshots=snapshots,
        searches=RedisRecentSearches(redis, prefix=prefix + "searches:"),
        sku_tiers={PREMIUM_SKU: "premium"},
        clock=lambda: NOW,
    )
    telemetry = RecordingTelemetry()
    settings = FixedSettings()
    core = InteractionsCore(
        SignatureVerifier(signer.public_key_hex), services, guild_settings=settings, telemetry=telemetry
    )
    yield Front(core, signer, queue, snapshots, telemetry, settings, iter(range(1 << 60, 1 << 61)))
    keys = [k async for k in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


def snapshot(queue_size: int = 0, paused: bool = False) -> PlayerSnapshot:
    def track(i: int) -> TrackSnapshot:
        return TrackSnapshot(f"Song {i}", f"Artist {i}", None, 180_000, False, None)

    return PlayerSnapshot(
        guild_id=GUILD,
        voice_channel_id=1,
        current=TrackSnapshot("Never Gonna Give You Up", "Rick Astley", None, 213_000, False, None),
        position_ms=60_000,
        position_at=NOW - timedelta(seconds=5),
        paused=paused,
        volume=100,
        loop_mode="off",
        queue=tuple(track(i) for i in range(1, queue_size + 1)),
        updated_at=NOW,
    )


# -- every command of the catalogue ---------------------------------------------------------


def sample(option: OptionSpec) -> Any:
    if option.choices:
        return option.choices[0].value
    return {
        OptionType.STRING: "1:23" if option.name == "position" else "something",
        OptionType.INTEGER: max(option.min_value or 1, 1),
        OptionType.NUMBER: float(max(option.min_value or 1, 1)),
        OptionType.BOOLEAN: True,
        OptionType.ROLE: str(DJ_ROLE),
        OptionType.CHANNEL: "1100000000000000100",
        OptionType.USER: "1100000000000000200",
    }[option.type]


def invocations() -> Iterator[tuple[str, CommandSpec, list[dict[str, Any]]]]:
    for spec in CATALOGUE.values():
        if spec.subcommands:
            for sub in spec.subcommands:
                inner = [
                    {"name": o.name, "type": int(o.type), "value": sample(o)}
                    for o in sub.options
                    if o.required
                ]
                yield f"{spec.name} {sub.name}", spec, [{"name": sub.name, "type": 1, "options": inner}]
        else:
            options = [
                {"name": o.name, "type": int(o.type), "value": sample(o)} for o in spec.options if o.required
            ]
            yield spec.name, spec, options


@pytest.mark.parametrize(
    ("label", "spec", "options"), list(invocations()), ids=lambda v: v if isinstance(v, str) else ""
)
async def test_every_command_is_answered_or_queued(
    front: Front, label: str, spec: CommandSpec, options: list[dict[str, Any]]
) -> None:
    # A server manager with a premium subscription: nothing here is refused for permissions.
    answer = await front.command(
        spec.name,
        options,
        member={"user": {"id": "1100000000000000200"}, "roles": [], "permissions": str(1 << 5)},
        entitlements=[{"id": "5", "sku_id": str(PREMIUM_SKU), "type": 8}],
    )
    queued = await front.queued()
    subcommand = options[0]["name"] if spec.subcommands else None
    where = spec.policy({SUBCOMMAND: subcommand} if subcommand else {}).where
    if answer["type"] == 5:
        (envelope,) = queued
        assert envelope.command == spec.name
        if subcommand:
            assert envelope.options[SUBCOMMAND] == subcommand
    else:
        assert answer["type"] == 4, answer
        assert where is Where.FRONT, f"/{label} was answered by the front but is a fleet command"
        assert queued == []
        assert answer["data"]["content"]


# -- answered by the front --------------------------------------------------------------------


async def test_help_is_in_the_users_language(front: Front) -> None:
    answer = await front.command("help", locale="es-ES")
    assert answer["data"]["flags"] == 64
    assert "/play" in answer["data"]["content"] or "/reproducir" in answer["data"]["content"]
    english = await front.command("help")
    assert english["data"]["content"] != answer["data"]["content"]


async def test_nowplaying_reads_the_snapshot_in_one_round_trip(front: Front) -> None:
    assert (await front.command("nowplaying"))["data"]["content"] == "Nothing is playing right now."
    await front.snapshots.save(snapshot())
    answer = await front.command("nowplaying")
    assert answer["type"] == 4
    assert answer["data"]["content"] == "Now playing **Never Gonna Give You Up** by Rick Astley `1:05 / 3:33`"
    assert await front.queued() == []


async def test_queue_pages_and_their_buttons(front: Front) -> None:
    await front.snapshots.save(snapshot(queue_size=25))
    answer = await front.command("queue", [{"name": "page", "type": 4, "value": 2}])
    content = answer["data"]["content"]
    assert "Queue, page 2 of 3: 25 tracks, 1:15:00 in all" in content
    assert "`11.` **Song 11** by Artist 11 `3:00`" in content
    (row,) = answer["data"]["components"]
    previous, following = row["components"]
    assert previous["custom_id"] == encode(QueuePage(GUILD, PageDirection.PREV, 1))
    assert following["custom_id"] == encode(QueuePage(GUILD, PageDirection.NEXT, 3))

    pressed = await front.send(component(front, following["custom_id"]))
    assert pressed["type"] == 7  # the message is replaced, no queue hop
    assert "page 3 of 3" in pressed["data"]["content"]
    assert pressed["data"]["components"][0]["components"][1]["disabled"] is True


async def test_premium_status_and_upgrade_button(front: Front) -> None:
    status = await front.command("premium", [{"name": "status", "type": 1, "options": []}])
    assert status["data"]["content"] == "This server is on **Free**."
    upgrade = await front.command("premium", [{"name": "upgrade", "type": 1, "options": []}])
    button = upgrade["data"]["components"][0]["components"][0]
    assert (button["style"], button["sku_id"]) == (6, str(PREMIUM_SKU))


# -- gates --------------------------------------------------------------------------------


async def test_free_user_is_told_when_to_try_again(front: Front) -> None:
    answers = [
        await front.command("play", [{"name": "query", "type": 3, "value": f"song {i}"}]) for i in range(21)
    ]
    assert [a["type"] for a in answers[:20]] == [5] * 20
    refused = answers[20]
    assert refused["data"]["flags"] == 64
    assert refused["data"]["content"] == "You're going a bit fast. Try again in 3 s."
    assert front.queue.depth(0) == 20  # the refused one was not queued
    assert "rate_limited" in front.telemetry.rejects


async def test_a_replayed_interaction_is_processed_once(front: Front) -> None:
    payload = play_interaction(interaction_id=1_180_000_000_000_004_242, guild_id=GUILD)
    first = await front.send(payload)
    second = await front.send(payload)
    assert first == second == {"type": 5}
    assert len(await front.queued()) == 1
    assert "replay" in front.telemetry.rejects


async def test_dj_only_commands(front: Front) -> None:
    front.settings.prefs = GuildPreferences(dj_role_id=DJ_ROLE)
    listener = {"user": {"id": "1100000000000000200"}, "roles": [], "permissions": "0"}
    refused = await front.command("pause", member=listener)
    assert refused["data"]["content"] == "Only DJs can do that (the DJ role, or Manage Server)."
    dj = {**listener, "roles": [str(DJ_ROLE)]}
    assert (await front.command("pause", member=dj))["type"] == 5
    assert [e.command for e in await front.queued()] == ["pause"]


async def test_premium_feature_needs_the_subscription(front: Front) -> None:
    refused = await front.command("247")
    assert refused["data"]["content"] == "That needs Premium. Use `/premium upgrade` to unlock it."
    assert refused["data"]["components"][0]["components"][0]["sku_id"] == str(PREMIUM_SKU)
    subscribed = [{"id": "9", "sku_id": str(PREMIUM_SKU), "type": 8, "ends_at": None}]
    assert (await front.command("247", entitlements=subscribed))["type"] == 5


async def test_settings_changes_need_manage_server(front: Front) -> None:
    change = [{"name": "vote-skip", "type": 1, "options": [{"name": "ratio", "type": 4, "value": 60}]}]
    refused = await front.command("settings", change)
    assert refused["data"]["content"] == "You need the Manage Server permission for that."
    manager = {"user": {"id": "1100000000000000200"}, "roles": [], "permissions": str(1 << 5)}
    assert (await front.command("settings", change, member=manager))["type"] == 5
    (envelope,) = await front.queued()
    assert envelope.options == {SUBCOMMAND: "vote-skip", "ratio": 60}


# -- components and autocomplete ----------------------------------------------------------------


def component(front: Front, custom_id: str, values: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    payload = play_interaction(interaction_id=next(front.ids), guild_id=GUILD)
    payload["type"] = 3
    payload["data"] = {"custom_id": custom_id, "component_type": 3 if values else 2, "values": values or []}
    payload["message"] = {"id": "1", "content": "queue"}
    payload.update(extra)
    return payload


async def test_player_buttons_are_queued_for_the_fleet(front: Front) -> None:
    pressed = await front.send(component(front, encode(NowPlayingButton(GUILD, NowPlayingAction.PAUSE))))
    assert pressed == {"type": 6}
    (envelope,) = await front.queued()
    assert (envelope.command, envelope.options) == ("np", {"action": "pause"})


async def test_search_pick_is_queued(front: Front) -> None:
    picked = await front.send(component(front, encode(SearchPick(GUILD, "abc123")), values=["3"]))
    assert picked == {"type": 6}
    (envelope,) = await front.queued()
    assert envelope.options == {"pick": "abc123", "choice": 3}


@pytest.mark.parametrize(
    "custom_id",
    [
        "v0:np:pause:1100000000000000000",  # an older version
        "v1:np:dance:1100000000000000000",  # an unknown action
        encode(NowPlayingButton(GUILD + (1 << 22), NowPlayingAction.STOP)),  # another guild's button
        "x" * 100,
    ],
)
async def test_foreign_or_stale_buttons_are_refused(front: Front, custom_id: str) -> None:
    answer = await front.send(component(front, custom_id))
    assert answer["data"]["content"] == "That button is out of date. Use the command again."
    assert await front.queued() == []


async def test_autocomplete_suggests_recent_searches_and_queue_titles(front: Front) -> None:
    for query in ("never gonna give you up", "daft punk one more time"):
        await front.command("play", [{"name": "query", "type": 3, "value": query}])
    await front.snapshots.save(snapshot(queue_size=2))
    payload = play_interaction(interaction_id=next(front.ids), guild_id=GUILD)
    payload["type"] = 4
    payload["data"]["options"] = [{"name": "query", "type": 3, "value": "NEVER", "focused": True}]
    answer = await front.send(payload)
    names = [c["name"] for c in answer["data"]["choices"]]
    assert names == ["never gonna give you up", "Never Gonna Give You Up - Rick Astley"]
    assert await front.queued() != []  # the two /play commands; autocomplete queued nothing more


async def test_modal_submissions_are_not_supported(front: Front) -> None:
    payload = play_interaction(interaction_id=next(front.ids), guild_id=GUILD)
    payload["type"] = 5
    payload["data"] = {"custom_id": "modal", "components": []}
    answer = await front.send(payload)
    assert answer["data"]["content"] == "That action isn't available."
