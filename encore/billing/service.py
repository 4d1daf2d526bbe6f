"""BillingService: the subscription lifecycle, ledger, usage and entitlements on the database.

Every change runs in ONE transaction: the guild's row is locked first (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite takes its write lock with ``BEGIN IMMEDIATE``), then an ``Idempotency-Key`` seen
before returns the stored result, else the pure lifecycle (:mod:`encore.billing.lifecycle`) decides
and the subscription, the ledger lines, the audit entry and the idempotency record are written
together or not at all. A tier change invalidates the guild's cached tier after the commit. A
change that leaves the guild on a tier without 24/7 or autoplay (a subscription that expired, was
canceled or downgraded) also turns those player modes off, audited, in the same transaction.
Settings and playlists live in :mod:`encore.billing.guild_data`; this class delegates to it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from encore.billing import guild_data, lifecycle, store
from encore.billing.errors import InvalidInputError
from encore.billing.lifecycle import Outcome, Status, SubscriptionState
from encore.billing.plans import plans_for
from encore.billing.usage import crossed, percent, period_of
from encore.billing.views import (
    Actor,
    ChangeView,
    EntitlementEvent,
    GuildSettingsPatch,
    GuildSettingsView,
    IdempotencyRequest,
    LedgerPage,
    PlayerModesView,
    PlaylistDetailView,
    PlaylistView,
    ScheduledRunReport,
    SubscriptionView,
    TrackInput,
    UsageMetricView,
    UsageView,
    UsageWarningView,
)
from encore.db.database import Database
from encore.db.models import (
    DiscordEntitlement,
    Guild,
    GuildSettings,
    PlayHistory,
    Subscription,
    UsageCounter,
    UsageWarning,
)
from encore.entitlements import EntitlementCache
from encore.metrics import MetricsSink, NullSink
from encore.tiers import DEFAULT_TIERS, FREE, Feature, Tier

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["BillingService", "Clock"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
V = TypeVar("V", bound=BaseModel)
Work = Callable[[AsyncSession, datetime], Awaitable[tuple[V, str | None, Any, Any]]]

SYSTEM = Actor(id="scheduler", kind="system", source="scheduler")
DISCORD = Actor(id="discord", kind="discord", source="webhook")
MAX_LEDGER_PAGE = 100
SCHEDULER_BATCH = 500


class BillingService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        tiers: Mapping[str, Tier] = DEFAULT_TIERS,
        sku_tiers: Mapping[int, str] | None = None,
        *,
        redis: Redis | None = None,
        metrics: MetricsSink | None = None,
        cache_ttl_s: float = 5.0,
    ) -> None:
        self._db = database
        self._clock = clock
        self._tiers = dict(tiers)
        self._plans = plans_for(self._tiers)
        self._sku_tiers = dict(sku_tiers or {})
        self._metrics: MetricsSink = metrics or NullSink()
        self._cache = EntitlementCache(
            self._stored_tier_name, self._tiers, redis=redis, local_ttl_s=cache_ttl_s
        )

    @property
    def database(self) -> Database:
        """The database this service runs on (e.g. for the admin keys stored beside it)."""
        return self._db

    # --- the one transaction every change runs in -------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the billing clock must return timezone-aware datetimes")
        return now

    async def _change(
        self,
        guild_id: int,
        actor: Actor,
        idempotency: IdempotencyRequest | None,
        operation: str,
        view: type[V],
        work: Work[V],
    ) -> V:
        _check_guild(guild_id)
        store.check_idempotency(idempotency)
        for attempt in (1, 2):
            try:
                return await self._change_once(guild_id, actor, idempotency, operation, view, work)
            except IntegrityError:
                # Only a concurrent first use of the same key (for another guild) gets here twice.
                if idempotency is None or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _change_once(
        self,
        guild_id: int,
        actor: Actor,
        idempotency: IdempotencyRequest | None,
        operation: str,
        view: type[V],
        work: Work[V],
    ) -> V:
        now = self._now()
        async with self._db.transaction() as session:
            await store.lock_guild(session, guild_id, now)
            if idempotency is not None:
                stored = await store.find_idempotent(session, idempotency, guild_id, operation)
                if stored is not None:
                    return view.model_validate(stored)
            result, action, before, after = await work(session, now)
            if action is not None:
                store.add_audit(session, guild_id, actor, action, before, after, now)
            if idempotency is not None:
                store.save_idempotent(
                    session, idempotency, guild_id, operation, result.model_dump(mode="json"), now
                )
        return result

    async def _transition(
        self,
        guild_id: int,
        actor: Actor,
        idempotency: IdempotencyRequest | None,
        operation: str,
        decide: Callable[[SubscriptionState, datetime], Outcome],
    ) -> ChangeView:
        async def work(session: AsyncSession, now: datetime) -> tuple[ChangeView, str, Any, Any]:
            row, before = await store.state_of(session, guild_id)
            outcome = decide(before, now)
            guild = await session.get_one(Guild, guild_id)  # locked by _change_once
            saved = await store.save_state(session, guild_id, row, before, outcome.state, now)
            entries = await store.write_lines(
                session, guild, saved.id, outcome.state.currency, outcome.lines, now
            )
            subscription = await self._view(session, guild_id, saved, outcome.state, now)
            change = ChangeView(
                change=outcome.change,
                subscription=subscription,
                lines=[store.ledger_view(e) for e in entries],
                net_minor=outcome.net,
            )
            after = store.state_json(outcome.state) | {"net_minor": outcome.net}
            await self._drop_modes_beyond_tier(session, guild_id, now)
            return change, f"subscription.{outcome.change}", store.state_json(before), after

        result = await self._change(guild_id, actor, idempotency, operation, ChangeView, work)
        await self._cache.invalidate(guild_id)
        self._metrics.emit("SubscriptionChanges", 1, Change=result.change)
        return result

    # --- subscriptions ------------------------------------------------------------------------------

    async def get_subscription(self, guild_id: int) -> SubscriptionView:
        _check_guild(guild_id)
        now = self._now()
        async with self._db.read_session() as session:
            row, state = await store.state_of(session, guild_id)
            return await self._view(session, guild_id, row, state, now)

    async def start_trial(
        self, guild_id: int, tier: str, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> SubscriptionView:
        change = await self._transition(
            guild_id,
            actor,
            idempotency,
            "start_trial",
            lambda state, now: lifecycle.start_trial(state, tier, self._plans, now),
        )
        return change.subscription

    async def change_plan(
        self,
        guild_id: int,
        tier: str,
        when: Literal["now", "period_end"],
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> ChangeView:
        if when not in ("now", "period_end"):
            raise InvalidInputError("`when` must be now or period_end.")
        return await self._transition(
            guild_id,
            actor,
            idempotency,
            "change_plan",
            lambda state, now: lifecycle.change_plan(state, tier, when, self._plans, now),
        )

    async def cancel(
        self,
        guild_id: int,
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
        at_period_end: bool = True,
    ) -> SubscriptionView:
        change = await self._transition(
            guild_id,
            actor,
            idempotency,
            "cancel",
            lambda state, now: lifecycle.cancel(state, now, at_period_end),
        )
        return change.subscription

    async def reactivate(
        self, guild_id: int, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> SubscriptionView:
        change = await self._transition(guild_id, actor, idempotency, "reactivate", lifecycle.reactivate)
        return change.subscription

    async def record_payment(self, guild_id: int, succeeded: bool, actor: Actor) -> SubscriptionView:
        """A payment provider's verdict on the period's charge: failed -> past_due, paid -> active."""
        decide = lifecycle.payment_succeeded if succeeded else lifecycle.payment_failed
        change = await self._transition(guild_id, actor, None, "record_payment", decide)
        return change.subscription

    async def _view(
        self,
        session: AsyncSession,
        guild_id: int,
        row: Subscription | None,
        state: SubscriptionState,
        now: datetime,
    ) -> SubscriptionView:
        tier = await self._stored_tier_in(session, guild_id, now)
        return SubscriptionView(
            guild_id=guild_id,
            status=state.status.value,
            tier=tier,
            plan_tier=state.tier,
            period_start=state.period_start,
            period_end=state.period_end,
            cancel_at_period_end=state.cancel_at_period_end,
            pending_tier=state.pending_tier,
            trial_used=state.trial_used,
            price_minor=state.price_minor if row is not None else None,
            currency=state.currency if row is not None else None,
            allowed_actions=lifecycle.allowed_actions(state, now),
        )

    # --- tiers ---------------------------------------------------------------------------------------

    async def tier_of(self, guild_id: int) -> Tier:
        """The guild's tier from its subscription and stored Discord entitlements (cached briefly)."""
        return await self._cache.tier(guild_id)

    async def _stored_tier_name(self, guild_id: int) -> str:
        async with self._db.read_session() as session:
            return await self._stored_tier_in(session, guild_id, self._now())

    async def _stored_tier_in(self, session: AsyncSession, guild_id: int, now: datetime) -> str:
        best = self._tiers.get("free", FREE)
        sub = await store.live_subscription(session, guild_id)
        if sub is not None and _grants_now(sub, now):
            best = max(best, self._tiers.get(sub.tier, best), key=lambda t: t.rank)
        stmt = select(DiscordEntitlement.sku_id).where(
            DiscordEntitlement.guild_id == guild_id,
            DiscordEntitlement.deleted.is_(False),
            or_(DiscordEntitlement.starts_at.is_(None), DiscordEntitlement.starts_at <= now),
            or_(DiscordEntitlement.ends_at.is_(None), DiscordEntitlement.ends_at > now),
        )
        for sku in (await session.execute(stmt)).scalars():
            tier = self._tiers.get(self._sku_tiers.get(sku, ""))
            if tier is not None and tier.rank > best.rank:
                best = tier
        return best.name

    async def apply_entitlement_event(self, event: EntitlementEvent) -> None:
        """Store a Discord entitlement event; the same event applied again changes nothing."""
        now = self._now()
        async with self._db.transaction() as session:
            if event.guild_id is not None:
                await store.lock_guild(session, event.guild_id, now)
            row = await session.get(DiscordEntitlement, event.entitlement_id, with_for_update=True)
            deleted = event.type == "ENTITLEMENT_DELETE" or event.deleted or (row is not None and row.deleted)
            values = {
                "sku_id": event.sku_id,
                "guild_id": event.guild_id,
                "user_id": event.user_id,
                "starts_at": event.starts_at,
                "ends_at": event.ends_at,
                "deleted": deleted,
            }
            before = None if row is None else {k: getattr(row, k) for k in values}
            if before == values:
                return
            if row is None:
                row = DiscordEntitlement(id=event.entitlement_id, updated_at=now, **values)
                session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = now
            if event.guild_id is not None:
                store.add_audit(
                    session,
                    event.guild_id,
                    DISCORD,
                    f"entitlement.{event.type.lower()}",
                    _jsonable(before),
                    _jsonable(values),
                    now,
                )
        if event.guild_id is not None:
            await self._cache.invalidate(event.guild_id)

    # --- the scheduled job ---------------------------------------------------------------------------

    async def run_scheduled(self, now: datetime) -> ScheduledRunReport:
        """Expire ended trials and subscriptions, renew the due ones, close past usage periods."""
        counts = {"trials_expired": 0, "expired": 0, "canceled": 0, "renewed": 0, "downgraded": 0}
        while True:
            async with self._db.read_session() as session:
                due = (
                    (
                        await session.execute(
                            select(Subscription.guild_id)
                            .where(
                                Subscription.status.in_([s.value for s in lifecycle.LIVE]),
                                Subscription.period_end <= now,
                            )
                            .order_by(Subscription.period_end)
                            .limit(SCHEDULER_BATCH)
                        )
                    )
                    .scalars()
                    .all()
                )
            if not due:
                break
            for guild_id in due:
                for change in await self._advance(guild_id, now):
                    counts[change] += 1
            if len(due) < SCHEDULER_BATCH:
                break
        closed = await self._close_usage_periods(now)
        self._metrics.emit("SubscriptionsExpired", counts["expired"] + counts["trials_expired"])
        self._metrics.emit("SubscriptionsRenewed", counts["renewed"] + counts["downgraded"])
        return ScheduledRunReport(usage_periods_closed=closed, **counts)

    async def _advance(self, guild_id: int, now: datetime) -> list[str]:
        async with self._db.transaction() as session:
            guild = await store.lock_guild(session, guild_id, now)
            row, before = await store.state_of(session, guild_id)
            outcome = lifecycle.advance(before, self._plans, now)
            if row is None or outcome is None:
                return []
            saved = await store.save_state(session, guild_id, row, before, outcome.state, now)
            await store.write_lines(session, guild, saved.id, outcome.state.currency, outcome.lines, now)
            store.add_audit(
                session,
                guild_id,
                SYSTEM,
                f"subscription.{outcome.change}",
                store.state_json(before),
                store.state_json(outcome.state),
                now,
            )
            await self._drop_modes_beyond_tier(session, guild_id, now)
        await self._cache.invalidate(guild_id)
        changes = outcome.change.split(",")
        if before.status is Status.TRIALING:
            changes = ["trials_expired" if c == "expired" else c for c in changes]
        return changes

    async def _drop_modes_beyond_tier(self, session: AsyncSession, guild_id: int, now: datetime) -> None:
        """Turn 24/7 and autoplay off (audited, by the system) when the guild's tier after a change
        no longer allows them: a guild that lost premium must not keep a player in voice for ever."""
        tier = self._tiers.get(await self._stored_tier_in(session, guild_id, now), FREE)
        before = await guild_data.player_modes(session, guild_id)
        changes: dict[str, object] = {}
        if before.always_on and not tier.allows(Feature.ALWAYS_ON):
            changes["always_on"] = False
        if before.autoplay_channel_id is not None and not tier.allows(Feature.AUTOPLAY):
            changes["autoplay_channel_id"] = None
        if not changes:
            return
        after = await guild_data.set_player_modes(session, guild_id, changes, now)
        old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
        store.add_audit(session, guild_id, SYSTEM, "settings.player_modes", old, new, now)
        log.info("guild %s: %s off, the %s tier does not include them", guild_id, sorted(changes), tier.name)

    async def _close_usage_periods(self, now: datetime) -> int:
        """Drop unsent warnings of past periods: "80% used" after the month ended would mislead."""
        start, _ = period_of(now)
        async with self._db.transaction() as session:
            result = await session.execute(
                update(UsageWarning)
                .where(UsageWarning.sent_at.is_(None), UsageWarning.period_start < start)
                .values(sent_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    # --- usage ---------------------------------------------------------------------------------------

    async def usage(self, guild_id: int) -> UsageView:
        _check_guild(guild_id)
        now = self._now()
        start, end = period_of(now)
        tier = await self.tier_of(guild_id)
        async with self._db.read_session() as session:
            used = (
                await session.execute(
                    select(UsageCounter.used).where(
                        UsageCounter.guild_id == guild_id,
                        UsageCounter.period_start == start,
                        UsageCounter.metric == "tracks",
                    )
                )
            ).scalar_one_or_none() or 0
            sent = (
                (
                    await session.execute(
                        select(UsageWarning.threshold)
                        .where(
                            UsageWarning.guild_id == guild_id,
                            UsageWarning.period_start == start,
                            UsageWarning.metric == "tracks",
                        )
                        .order_by(UsageWarning.threshold)
                    )
                )
                .scalars()
                .all()
            )
            playlists = await guild_data.count_playlists(session, guild_id)
        metrics = [
            UsageMetricView(
                name="tracks",
                used=used,
                limit=tier.tracks_per_period,
                percent=percent(used, tier.tracks_per_period),
                warnings_sent=list(sent),
            ),
            UsageMetricView(
                name="playlists",
                used=playlists,
                limit=tier.playlists,
                percent=percent(playlists, tier.playlists),
                warnings_sent=[],
            ),
        ]
        return UsageView(
            guild_id=guild_id, tier=tier.name, period_start=start, period_end=end, metrics=metrics
        )

    async def record_play(
        self, guild_id: int, title: str, uri: str, requested_by: int | None
    ) -> list[UsageWarningView]:
        """A track started: play history, the period's count, and any warning newly due."""
        _check_guild(guild_id)
        now = self._now()
        start, _ = period_of(now)
        tier = await self.tier_of(guild_id)
        new: list[UsageWarning] = []
        async with self._db.transaction() as session:
            await store.ensure_guild(session, guild_id, now)
            session.add(
                PlayHistory(
                    guild_id=guild_id,
                    title=title[:200],
                    uri=uri[:500],
                    requested_by=requested_by,
                    played_at=now,
                )
            )
            insert = store.insert_for(session)
            stmt = insert(UsageCounter).values(guild_id=guild_id, period_start=start, metric="tracks", used=1)
            stmt = stmt.on_conflict_do_update(
                index_elements=["guild_id", "period_start", "metric"],
                set_={"used": UsageCounter.used + 1},
            ).returning(UsageCounter.used)
            used = (await session.execute(stmt)).scalar_one()
            for threshold in crossed(used, tier.tracks_per_period):
                warning = (
                    insert(UsageWarning)
                    .values(
                        guild_id=guild_id,
                        period_start=start,
                        metric="tracks",
                        threshold=threshold,
                        used=used,
                        quota=tier.tracks_per_period,
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(UsageWarning.id)
                )
                warning_id = (await session.execute(warning)).scalar_one_or_none()
                if warning_id is not None:
                    new.append(await session.get_one(UsageWarning, warning_id))
            channel = await guild_data.announce_channel(session, guild_id)
        return [_warning_view(w, channel) for w in new]

    async def pending_usage_warnings(self, limit: int = 100) -> list[UsageWarningView]:
        """Warnings recorded but not yet posted, oldest first (for the fleet or scheduler to post)."""
        limit = max(1, min(limit, 1000))
        async with self._db.read_session() as session:
            rows = (
                await session.execute(
                    select(UsageWarning, GuildSettings.announce_channel_id)
                    .outerjoin(GuildSettings, GuildSettings.guild_id == UsageWarning.guild_id)
                    .where(UsageWarning.sent_at.is_(None))
                    .order_by(UsageWarning.id)
                    .limit(limit)
                )
            ).all()
        return [_warning_view(w, channel) for w, channel in rows]

    async def mark_usage_warning_sent(self, warning_id: int) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(UsageWarning)
                .where(UsageWarning.id == warning_id, UsageWarning.sent_at.is_(None))
                .values(sent_at=self._now())
            )

    async def deliver_usage_warnings(self, send: Callable[[UsageWarningView], Awaitable[None]]) -> int:
        """Post each pending warning with ``send`` (e.g. a Discord message); a failed one stays pending."""
        delivered = 0
        for warning in await self.pending_usage_warnings():
            try:
                await send(warning)
            except Exception:
                log.exception("could not post usage warning %s for guild %s", warning.id, warning.guild_id)
                continue
            await self.mark_usage_warning_sent(warning.id)
            self._metrics.emit("UsageWarnings", 1, Threshold=str(warning.threshold))
            delivered += 1
        return delivered

    # --- the ledger ----------------------------------------------------------------------------------

    async def ledger(self, guild_id: int, cursor: str | None = None, limit: int = 50) -> LedgerPage:
        """The guild's ledger, newest first; pass ``next_cursor`` back for the next page."""
        _check_guild(guild_id)
        if not 1 <= limit <= MAX_LEDGER_PAGE:
            raise InvalidInputError(f"limit must be between 1 and {MAX_LEDGER_PAGE}.")
        before = store.decode_cursor(cursor) if cursor is not None else None
        async with self._db.read_session() as session:
            query = store.ledger_page_query(guild_id, before, limit + 1)
            rows = (await session.execute(query)).scalars().all()
        items = [store.ledger_view(r) for r in rows[:limit]]
        next_cursor = store.encode_cursor(items[-1].id) if len(rows) > limit else None
        return LedgerPage(items=items, next_cursor=next_cursor)

    # --- settings and playlists ----------------------------------------------------------------------

    async def get_settings(self, guild_id: int) -> GuildSettingsView:
        _check_guild(guild_id)
        async with self._db.read_session() as session:
            return await guild_data.settings_view(session, guild_id)

    async def patch_settings(
        self,
        guild_id: int,
        patch: GuildSettingsPatch,
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> GuildSettingsView:
        guild_data.check_patch(patch)

        async def work(session: AsyncSession, now: datetime) -> tuple[GuildSettingsView, str, Any, Any]:
            before = await guild_data.settings_view(session, guild_id)
            after = await guild_data.patch_settings(session, guild_id, patch, now)
            return after, "settings.patch", before.model_dump(mode="json"), after.model_dump(mode="json")

        return await self._change(guild_id, actor, idempotency, "patch_settings", GuildSettingsView, work)

    async def player_modes(self, guild_id: int) -> PlayerModesView:
        """The fleet's stored player modes of the guild: 24/7 and autoplay."""
        _check_guild(guild_id)
        async with self._db.read_session() as session:
            return await guild_data.player_modes(session, guild_id)

    async def set_player_modes(
        self,
        guild_id: int,
        actor: Actor,
        *,
        always_on: bool | None = None,
        autoplay_channel_id: int | None = None,
        autoplay: bool | None = None,
    ) -> PlayerModesView:
        """Turn 24/7 (``always_on``) and/or autoplay on or off; ``autoplay=True`` needs the channel
        autoplay speaks in (``autoplay_channel_id``). Audited like every settings change."""
        changes: dict[str, object] = {}
        if always_on is not None:
            changes["always_on"] = always_on
        if autoplay is not None:
            if autoplay and not (autoplay_channel_id is not None and 0 < autoplay_channel_id < 2**63):
                raise InvalidInputError("Turning autoplay on needs the channel it speaks in.")
            changes["autoplay_channel_id"] = autoplay_channel_id if autoplay else None
        if not changes:
            return await self.player_modes(guild_id)

        async def work(session: AsyncSession, now: datetime) -> tuple[PlayerModesView, str, Any, Any]:
            before = await guild_data.player_modes(session, guild_id)
            after = await guild_data.set_player_modes(session, guild_id, changes, now)
            old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
            return after, "settings.player_modes", old, new

        return await self._change(guild_id, actor, None, "set_player_modes", PlayerModesView, work)

    async def list_playlists(self, guild_id: int) -> list[PlaylistView]:
        _check_guild(guild_id)
        async with self._db.read_session() as session:
            return await guild_data.list_playlists(session, guild_id)

    async def create_playlist(
        self, guild_id: int, name: str, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> PlaylistView:
        guild_data.check_name(name)
        tier = await self.tier_of(guild_id)

        async def work(session: AsyncSession, now: datetime) -> tuple[PlaylistView, str, Any, Any]:
            created = await guild_data.create_playlist(session, guild_id, name, actor, tier, now)
            return created, "playlist.create", None, created.model_dump(mode="json")

        return await self._change(guild_id, actor, idempotency, "create_playlist", PlaylistView, work)

    async def get_playlist(self, guild_id: int, playlist_id: int) -> PlaylistDetailView:
        _check_guild(guild_id)
        async with self._db.read_session() as session:
            return await guild_data.playlist_detail(session, guild_id, playlist_id)

    async def delete_playlist(self, guild_id: int, playlist_id: int, actor: Actor) -> None:
        async def work(session: AsyncSession, now: datetime) -> tuple[PlaylistView, str, Any, Any]:
            gone = await guild_data.delete_playlist(session, guild_id, playlist_id)
            return gone, "playlist.delete", gone.model_dump(mode="json"), None

        await self._change(guild_id, actor, None, "delete_playlist", PlaylistView, work)

    async def add_playlist_tracks(
        self,
        guild_id: int,
        playlist_id: int,
        tracks: Sequence[TrackInput],
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> PlaylistDetailView:
        guild_data.check_tracks(tracks)
        tier = await self.tier_of(guild_id)

        async def work(session: AsyncSession, now: datetime) -> tuple[PlaylistDetailView, str, Any, Any]:
            detail = await guild_data.add_tracks(session, guild_id, playlist_id, tracks, tier)
            after = {"playlist_id": playlist_id, "added": len(tracks), "track_count": detail.track_count}
            return detail, "playlist.add_tracks", None, after

        return await self._change(
            guild_id, actor, idempotency, "add_playlist_tracks", PlaylistDetailView, work
        )


def _check_guild(guild_id: int) -> None:
    if not 0 < guild_id < 2**63:
        raise InvalidInputError("A guild id is a positive 64-bit Discord snowflake.")


def _grants_now(sub: Subscription, now: datetime) -> bool:
    """A live subscription grants its tier in its period; an active one until the scheduler renews it."""
    if sub.period_end > now:
        return True
    return sub.status == Status.ACTIVE.value and not sub.cancel_at_period_end


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _warning_view(warning: UsageWarning, channel: int | None) -> UsageWarningView:
    return UsageWarningView(
        id=warning.id,
        guild_id=warning.guild_id,
        metric=warning.metric,
        threshold=warning.threshold,
        used=warning.used,
        limit=warning.quota,
        period_start=warning.period_start,
        announce_channel_id=channel,
    )
