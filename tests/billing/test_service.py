"""BillingService on the real databases: each test runs on PostgreSQL and on SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from encore.billing.errors import (
    IdempotencyKeyReusedError,
    InvalidInputError,
    InvalidTransitionError,
    LimitExceededError,
    NotFoundError,
)
from encore.billing.preferences import StoredGuildSettings
from encore.billing.service import BillingService
from encore.billing.views import (
    Actor,
    EntitlementEvent,
    GuildSettingsPatch,
    IdempotencyRequest,
    TrackInput,
    UsageWarningView,
)
from encore.db.database import Database
from encore.db.models import AuditEntry, IdempotencyKey, LedgerEntry, Subscription
from encore.guild_settings import GuildPreferences
from encore.metrics import RecordingSink
from encore.tiers import parse_tiers
from tests.billing_support import ADMIN, START, SettableClock

GUILD, OTHER = 111_111_111_111_111_111, 222_222_222_222_222_222


async def count(database: Database, model: type[Any], **where: object) -> int:
    async with database.read_session() as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int((await session.execute(stmt)).scalar_one())


async def test_trial_upgrade_cancel_and_the_gate_closes_after_the_period(
    billing: BillingService, database: Database, clock: SettableClock
) -> None:
    assert (await billing.tier_of(GUILD)).name == "free"
    trial = await billing.start_trial(GUILD, "premium", ADMIN)
    assert (trial.status, trial.tier, trial.trial_used) == ("trialing", "premium", True)
    assert (await billing.tier_of(GUILD)).name == "premium"

    clock.advance(days=2)
    converted = await billing.change_plan(GUILD, "premium", "now", ADMIN)
    assert converted.change == "converted"
    assert converted.net_minor == 499
    clock.advance(days=15)
    upgraded = await billing.change_plan(GUILD, "pro", "now", ADMIN)
    assert [(line.kind, line.amount_minor, line.balance_after_minor) for line in upgraded.lines] == [
        ("credit", 250, 249),
        ("charge", 500, 749),
    ]
    assert (await billing.tier_of(GUILD)).name == "pro"

    canceling = await billing.cancel(GUILD, ADMIN)
    assert canceling.cancel_at_period_end
    assert canceling.allowed_actions == ["reactivate", "cancel_now"]
    assert (await billing.reactivate(GUILD, ADMIN)).cancel_at_period_end is False
    await billing.cancel(GUILD, ADMIN)
    assert (await billing.tier_of(GUILD)).name == "pro"  # paid until the period ends

    clock.advance(days=15)  # the period runs from the conversion (day 2) to day 32
    report = await billing.run_scheduled(clock.now)
    assert report.canceled == 1
    after = await billing.get_subscription(GUILD)
    assert (after.status, after.tier) == ("canceled", "free")
    assert await count(database, Subscription, guild_id=GUILD) == 1
    assert await count(database, AuditEntry, guild_id=GUILD) == 7


async def test_invalid_transition_says_what_is_allowed(billing: BillingService) -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        await billing.reactivate(GUILD, ADMIN)
    assert refused.value.status == 409
    assert refused.value.allowed == ["start_trial", "subscribe"]
    await billing.start_trial(GUILD, "premium", ADMIN)
    await billing.cancel(GUILD, ADMIN, at_period_end=False)
    with pytest.raises(InvalidTransitionError, match="already used its free trial"):
        await billing.start_trial(GUILD, "pro", ADMIN)


async def test_an_error_mid_change_rolls_everything_back(
    billing: BillingService, database: Database, clock: SettableClock
) -> None:
    key = IdempotencyRequest("k-rollback", "fp-1", "user:42")
    await billing.change_plan(GUILD, "premium", "now", ADMIN)
    # Damage the stored balance so the upgrade's credit line breaks the non-negative CHECK after the
    # subscription row was already updated in the same transaction.
    async with database.transaction() as session:
        await session.execute(text("UPDATE guilds SET balance_minor = 0 WHERE id = :g"), {"g": GUILD})
    lines, audits = await count(database, LedgerEntry), await count(database, AuditEntry)
    clock.advance(days=15)
    with pytest.raises(IntegrityError):
        await billing.change_plan(GUILD, "pro", "now", ADMIN, key)
    assert (await billing.get_subscription(GUILD)).plan_tier == "premium"
    assert await count(database, LedgerEntry) == lines
    assert await count(database, AuditEntry) == audits
    assert await count(database, IdempotencyKey) == 0
    async with database.transaction() as session:
        await session.execute(text("UPDATE guilds SET balance_minor = 499 WHERE id = :g"), {"g": GUILD})
    retried = await billing.change_plan(GUILD, "pro", "now", ADMIN, key)  # the key was not burnt
    assert retried.change == "upgraded"


async def test_the_database_enforces_its_rules(billing: BillingService, database: Database) -> None:
    await billing.start_trial(GUILD, "premium", ADMIN)
    statements = [
        # a second live subscription for the guild (partial unique index)
        "INSERT INTO subscriptions (guild_id, status, tier, price_minor, currency, period_start, period_end,"
        " cancel_at_period_end, segment_charged_minor, created_at, updated_at) VALUES"
        " (:g, 'active', 'pro', 999, 'USD', :now, :now, false, 0, :now, :now)",
        # a second trial
        "INSERT INTO trials (guild_id, tier, started_at) VALUES (:g, 'pro', :now)",
        # a negative balance
        "UPDATE guilds SET balance_minor = -1 WHERE id = :g",
        # a ledger line for a guild that does not exist
        "INSERT INTO ledger_entries (guild_id, subscription_id, kind, reason, amount_minor, currency, tier,"
        " period_start, period_end, description, balance_after_minor, created_at) VALUES"
        " (999, 1, 'charge', 'x', 1, 'USD', 'pro', :now, :now, 'x', 1, :now)",
        # a track of a playlist that does not exist
        "INSERT INTO playlist_tracks (playlist_id, position, title, uri, duration_ms)"
        " VALUES (424242, 0, 't', 'u', 0)",
    ]
    now = START if database.is_postgres else START.replace(tzinfo=None)
    for statement in statements:
        with pytest.raises(IntegrityError):
            async with database.transaction() as session:
                await session.execute(text(statement), {"g": GUILD, "now": now})


async def test_deleting_a_playlist_deletes_its_tracks(billing: BillingService, database: Database) -> None:
    playlist = await billing.create_playlist(GUILD, "Road trip", ADMIN)
    await billing.add_playlist_tracks(GUILD, playlist.id, [TrackInput(title="a", uri="u:a")], ADMIN)
    await billing.delete_playlist(GUILD, playlist.id, ADMIN)
    async with database.read_session() as session:
        left = (await session.execute(text("SELECT count(*) FROM playlist_tracks"))).scalar_one()
    assert left == 0
    with pytest.raises(NotFoundError):
        await billing.get_playlist(GUILD, playlist.id)


async def test_idempotent_retries(billing: BillingService, database: Database) -> None:
    key = IdempotencyRequest("key-1", "sha256:body-a", "user:42")
    first = await billing.change_plan(GUILD, "premium", "now", ADMIN, key)
    again = await billing.change_plan(GUILD, "premium", "now", ADMIN, key)
    assert again == first
    assert await count(database, LedgerEntry, guild_id=GUILD) == 1
    with pytest.raises(IdempotencyKeyReusedError) as reused:
        await billing.change_plan(
            GUILD, "pro", "now", ADMIN, IdempotencyRequest("key-1", "sha256:body-b", "user:42")
        )
    assert reused.value.status == 422
    with pytest.raises(IdempotencyKeyReusedError):  # same key and body, another guild's path
        await billing.change_plan(OTHER, "premium", "now", ADMIN, key)
    # another principal's key of the same name is its own
    theirs = await billing.start_trial(OTHER, "premium", ADMIN, IdempotencyRequest("key-1", "fp", "user:7"))
    assert theirs.status == "trialing"
    created = await billing.create_playlist(GUILD, "Mix", ADMIN, IdempotencyRequest("p-1", "fp", "user:42"))
    assert (
        await billing.create_playlist(GUILD, "Mix", ADMIN, IdempotencyRequest("p-1", "fp", "user:42"))
        == created
    )


INJECTIONS = [
    "'; DROP TABLE guilds; --",
    'Robert"); DELETE FROM ledger_entries; --',
    "1 OR 1=1",
    "\\x00\\'); SELECT pg_sleep(5); --",
    "%s %(x)s :guild_id ? $1",
    "ünïcødé ✓ 🎵",
]


@pytest.mark.parametrize("evil", INJECTIONS)
async def test_injection_strings_are_stored_and_returned_verbatim(
    billing: BillingService, database: Database, evil: str
) -> None:
    actor = Actor(id=evil, kind="user", source=evil[:32], ip=evil)
    key = IdempotencyRequest(evil, evil, evil)
    playlist = await billing.create_playlist(GUILD, evil, actor, key)
    assert playlist.name == evil
    assert playlist.created_by == evil
    detail = await billing.add_playlist_tracks(GUILD, playlist.id, [TrackInput(title=evil, uri=evil)], actor)
    assert (detail.tracks[0].title, detail.tracks[0].uri) == (evil, evil)
    patched = await billing.patch_settings(GUILD, GuildSettingsPatch(genre_preferences=[evil[:32]]), actor)
    assert patched.genre_preferences == [evil[:32]]
    assert [p.name for p in await billing.list_playlists(GUILD)] == [evil]
    with pytest.raises(InvalidInputError):
        await billing.change_plan(GUILD, evil, "now", actor)
    with pytest.raises(InvalidInputError):
        await billing.ledger(GUILD, cursor=evil)
    async with database.read_session() as session:
        audit = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "playlist.create"))
        ).scalar_one()
    assert (audit.actor_id, audit.ip) == (evil, evil)
    assert await count(database, LedgerEntry) == 0  # the tables are all still there


async def test_one_guild_cannot_touch_anothers_playlists(billing: BillingService) -> None:
    mine = await billing.create_playlist(GUILD, "Mine", ADMIN)
    theirs = await billing.create_playlist(OTHER, "Theirs", ADMIN)
    assert [p.name for p in await billing.list_playlists(GUILD)] == ["Mine"]
    with pytest.raises(NotFoundError):
        await billing.get_playlist(GUILD, theirs.id)
    with pytest.raises(NotFoundError):
        await billing.add_playlist_tracks(GUILD, theirs.id, [TrackInput(title="x", uri="y")], ADMIN)
    with pytest.raises(NotFoundError):
        await billing.delete_playlist(GUILD, theirs.id, ADMIN)
    assert (await billing.get_playlist(OTHER, theirs.id)).track_count == 0
    assert (await billing.get_playlist(GUILD, mine.id)).name == "Mine"


async def test_playlist_limits_follow_the_tier(billing: BillingService) -> None:
    for n in range(3):
        await billing.create_playlist(GUILD, f"list {n}", ADMIN)
    with pytest.raises(LimitExceededError, match="allows 3 playlists"):
        await billing.create_playlist(GUILD, "one too many", ADMIN)
    with pytest.raises(InvalidInputError, match="already has a playlist"):
        await billing.create_playlist(OTHER, "same", ADMIN) and await billing.create_playlist(
            OTHER, "same", ADMIN
        )
    first = (await billing.list_playlists(GUILD))[0]
    await billing.add_playlist_tracks(
        GUILD, first.id, [TrackInput(title=f"t{i}", uri="u") for i in range(50)], ADMIN
    )
    with pytest.raises(LimitExceededError, match="50 tracks a playlist"):
        await billing.add_playlist_tracks(GUILD, first.id, [TrackInput(title="one more", uri="u")], ADMIN)
    await billing.start_trial(GUILD, "premium", ADMIN)
    await billing.add_playlist_tracks(GUILD, first.id, [TrackInput(title="premium now", uri="u")], ADMIN)
    with pytest.raises(InvalidInputError):
        await billing.create_playlist(GUILD, " ", ADMIN)


async def test_settings_patch_changes_only_what_was_sent(billing: BillingService, database: Database) -> None:
    assert (await billing.get_settings(GUILD)).default_volume == 100
    await billing.patch_settings(GUILD, GuildSettingsPatch(dj_role_id=5, language="pt-BR"), ADMIN)
    patched = await billing.patch_settings(
        GUILD, GuildSettingsPatch.model_validate({"default_volume": 70}), ADMIN
    )
    assert (patched.dj_role_id, patched.language, patched.default_volume) == (5, "pt-BR", 70)
    cleared = await billing.patch_settings(
        GUILD, GuildSettingsPatch.model_validate({"dj_role_id": None}), ADMIN
    )
    assert cleared.dj_role_id is None
    assert cleared.language == "pt-BR"
    assert await count(database, AuditEntry, action="settings.patch") == 3


async def test_usage_warnings_once_per_threshold(database: Database, clock: SettableClock) -> None:
    tiers = parse_tiers('{"free": {"tracks_per_period": 5}}')
    sink = RecordingSink()
    billing = BillingService(database, clock, tiers, metrics=sink, cache_ttl_s=0)
    await billing.patch_settings(GUILD, GuildSettingsPatch(announce_channel_id=77), ADMIN)
    new = [await billing.record_play(GUILD, f"song {i}", f"uri:{i}", 9) for i in range(7)]
    assert [[(w.threshold, w.used, w.limit) for w in got] for got in new] == [
        [],
        [],
        [],
        [(80, 4, 5)],
        [(100, 5, 5)],
        [],
        [],
    ]
    usage = await billing.usage(GUILD)
    assert (usage.metrics[0].used, usage.metrics[0].percent, usage.metrics[0].warnings_sent) == (
        7,
        140,
        [80, 100],
    )

    posted: list[UsageWarningView] = []
    refusals = [RuntimeError("Discord said no")]

    async def send(warning: UsageWarningView) -> None:
        if warning.threshold == 100 and refusals:
            raise refusals.pop()
        posted.append(warning)

    assert await billing.deliver_usage_warnings(send) == 1  # the 100% one failed and stays pending
    assert [w.threshold for w in await billing.pending_usage_warnings()] == [100]
    assert await billing.deliver_usage_warnings(send) == 1
    assert [(w.threshold, w.announce_channel_id) for w in posted] == [(80, 77), (100, 77)]
    assert await billing.pending_usage_warnings() == []
    assert sink.total("UsageWarnings") == 2

    clock.advance(days=31)  # a new month: counting starts again
    assert await billing.record_play(GUILD, "x", "y", None) == []
    assert (await billing.usage(GUILD)).metrics[0].used == 1


async def test_unsent_warnings_of_a_past_month_are_closed(database: Database, clock: SettableClock) -> None:
    billing = BillingService(
        database, clock, parse_tiers('{"free": {"tracks_per_period": 1}}'), cache_ttl_s=0
    )
    await billing.record_play(GUILD, "x", "y", None)
    assert len(await billing.pending_usage_warnings()) == 2
    report = await billing.run_scheduled(clock.advance(days=31))
    assert report.usage_periods_closed == 2
    assert await billing.pending_usage_warnings() == []


def entitlement(kind: str = "ENTITLEMENT_CREATE", **extra: Any) -> EntitlementEvent:
    fields: dict[str, Any] = {"type": kind, "entitlement_id": 9001, "sku_id": 222, "guild_id": GUILD} | extra
    return EntitlementEvent(**fields)


async def test_discord_entitlements_unlock_and_are_applied_once(
    database: Database, clock: SettableClock
) -> None:
    billing = BillingService(database, clock, sku_tiers={222: "pro"}, cache_ttl_s=0)
    await billing.apply_entitlement_event(entitlement())
    await billing.apply_entitlement_event(entitlement())  # a redelivery
    assert (await billing.tier_of(GUILD)).name == "pro"
    assert await count(database, AuditEntry, guild_id=GUILD) == 1
    await billing.apply_entitlement_event(entitlement("ENTITLEMENT_DELETE"))
    assert (await billing.tier_of(GUILD)).name == "free"
    await billing.apply_entitlement_event(entitlement("ENTITLEMENT_UPDATE"))  # late: stays deleted
    assert (await billing.tier_of(GUILD)).name == "free"
    ends = clock.now + timedelta(days=1)
    await billing.apply_entitlement_event(entitlement(entitlement_id=9002, ends_at=ends))
    assert (await billing.get_subscription(GUILD)).tier == "pro"
    clock.advance(days=2)
    assert (await billing.tier_of(GUILD)).name == "free"


async def test_the_ledger_pages_newest_first(billing: BillingService, clock: SettableClock) -> None:
    await billing.change_plan(GUILD, "premium", "now", ADMIN)
    clock.advance(days=30 * 4 + 1)
    assert (await billing.run_scheduled(clock.now)).renewed == 4
    seen: list[int] = []
    cursor: str | None = None
    while True:
        page = await billing.ledger(GUILD, cursor, limit=2)
        seen += [line.id for line in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen == sorted(seen, reverse=True)
    assert (await billing.ledger(OTHER)).items == []
    with pytest.raises(InvalidInputError):
        await billing.ledger(GUILD, limit=0)


async def test_the_scheduler_expires_trials_and_renews(billing: BillingService, clock: SettableClock) -> None:
    await billing.start_trial(GUILD, "premium", ADMIN)
    await billing.change_plan(OTHER, "pro", "now", ADMIN)
    await billing.change_plan(OTHER, "premium", "period_end", ADMIN)
    report = await billing.run_scheduled(clock.advance(days=30))
    assert (report.trials_expired, report.downgraded) == (1, 1)
    assert (await billing.get_subscription(GUILD)).status == "expired"
    other = await billing.get_subscription(OTHER)
    assert (other.plan_tier, other.pending_tier) == ("premium", None)
    assert (await billing.run_scheduled(clock.now)).model_dump() == {
        "trials_expired": 0,
        "expired": 0,
        "canceled": 0,
        "renewed": 0,
        "downgraded": 0,
        "usage_periods_closed": 0,
    }


async def test_past_due_keeps_the_tier_until_the_period_ends(
    billing: BillingService, clock: SettableClock
) -> None:
    await billing.change_plan(GUILD, "pro", "now", ADMIN)
    assert (await billing.record_payment(GUILD, False, ADMIN)).status == "past_due"
    assert (await billing.tier_of(GUILD)).name == "pro"
    await billing.run_scheduled(clock.advance(days=30))
    assert (await billing.get_subscription(GUILD)).status == "expired"
    assert (await billing.tier_of(GUILD)).name == "free"


async def test_bad_ids_are_bad_input(billing: BillingService) -> None:
    with pytest.raises(InvalidInputError):
        await billing.get_subscription(0)
    with pytest.raises(InvalidInputError):
        await billing.start_trial(2**63, "premium", ADMIN)
    with pytest.raises(NotFoundError):
        await billing.get_playlist(GUILD, -1)


async def test_the_front_and_fleet_read_stored_preferences(billing: BillingService) -> None:
    reader = StoredGuildSettings(billing, ttl_s=0)
    assert await reader.get(GUILD) == GuildPreferences()
    await billing.patch_settings(
        GUILD, GuildSettingsPatch(dj_role_id=9, vote_skip_ratio=75, language="fr"), ADMIN
    )
    assert await reader.get(GUILD) == GuildPreferences(dj_role_id=9, language="fr", vote_skip_ratio=75)
