"""The loop that decides which shard groups this fleet task runs.

Every ``ttl_s / 3`` :meth:`LeaseManager.tick`:

1. heartbeats this task (the count of live tasks sets the fair share);
2. renews every lease it holds. A renewal refused, or none confirmed before the lease's local
   deadline (Redis unreachable), means the group is lost: its runner stops at once
   (``LeasesLost``);
3. plans with :func:`~audio_fleet.fair_share.plan_rebalance`: extras are released once their
   runner has drained (the lease is renewed meanwhile, so nobody takes the group half-stopped);
   free groups are taken while under target (``LeasesAcquired``) unless the identify budget says
   no or a failed start is being backed off (exponentially);
4. reports ``ShardGroupsOwned``.

Starting and stopping a group take seconds (gateway, restore, drain), so they run as tasks the
manager owns while the loop keeps renewing. :meth:`shutdown` (SIGTERM) drains every group, then
releases the leases and leaves the live-task set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from audio_fleet.fair_share import plan_rebalance, target_share
from audio_fleet.group_runner import StopReason
from audio_fleet.identify_budget import backoff_delay
from audio_fleet.leases import Lease, LeaseStore
from encore.errors import EncoreError
from encore.metrics import MetricsSink
from encore.redis_client import RedisUnavailableError

__all__ = ["GroupHandler", "LeaseManager"]

log = logging.getLogger(__name__)


class GroupHandler(Protocol):
    """Starts and stops the runner of a group (the fleet service)."""

    async def start_group(self, lease: Lease) -> None:
        """Run the group; raise (after cleaning up) if it cannot start."""
        ...

    async def stop_group(self, group: int, reason: StopReason) -> None: ...


class LeaseManager:
    def __init__(
        self,
        store: LeaseStore,
        handler: GroupHandler,
        *,
        group_count: int,
        task_id: str,
        ttl_s: float,
        metrics: MetricsSink,
        may_start: Callable[[int], Awaitable[bool]] | None = None,
        backoff_base_s: float = 5.0,
        backoff_cap_s: float = 900.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``may_start(group)`` is asked before each acquisition (the identify budget)."""
        self._store = store
        self._handler = handler
        self._groups = group_count
        self.task_id = task_id
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._metrics = metrics
        self._may_start = may_start
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._now = monotonic
        self.leases: dict[int, Lease] = {}
        self._deadlines: dict[int, float] = {}
        self._starting: dict[int, asyncio.Task[None]] = {}
        self._releasing: dict[int, asyncio.Task[None]] = {}
        self._losing: set[asyncio.Task[None]] = set()
        self._failures = 0
        self._backoff_until = 0.0
        self._draining = False
        self._stop = asyncio.Event()

    @property
    def interval_s(self) -> float:
        return self._ttl_ms / 3000

    def lease_for(self, group: int) -> Lease | None:
        """This task's current lease of ``group`` (None while it does not hold it)."""
        return self.leases.get(group)

    @property
    def running(self) -> set[int]:
        """Groups held and neither starting nor being released."""
        return set(self.leases) - set(self._starting) - set(self._releasing)

    async def run(self) -> None:
        """Tick until :meth:`shutdown` has finished."""
        while not self._stop.is_set():
            try:
                await self.tick()
            except RedisUnavailableError as exc:
                log.warning("lease tick failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval_s)

    async def tick(self) -> None:
        try:
            live: int | None = await self._store.heartbeat(self.task_id, self._ttl_ms)
        except RedisUnavailableError as exc:
            log.warning("heartbeat failed: %s", exc)
            live = None  # renew what we can (each lease has its local deadline), take nothing new
        await self._renew_all()
        await self._reap()
        if not self._draining and live is not None:
            await self._rebalance(live)
        self._metrics.emit("ShardGroupsOwned", len(self.leases))

    async def _renew_all(self) -> None:
        for group, lease in list(self.leases.items()):
            asked_at = self._now()
            try:
                kept = await self._store.renew(lease, self._ttl_ms)
            except RedisUnavailableError:
                kept = self._now() < self._deadlines.get(group, 0.0)
                log.warning("could not renew shard group %s; %s", group, "still ours" if kept else "lost")
            else:
                if kept:
                    self._deadlines[group] = asked_at + self._ttl_ms / 1000
            if not kept:
                self._lost(group)

    def _lost(self, group: int) -> None:
        log.error("lease of shard group %s lost: stopping it at once", group)
        self.leases.pop(group, None)
        self._deadlines.pop(group, None)
        self._metrics.emit("LeasesLost", 1)
        starting = self._starting.pop(group, None)
        if starting is not None:
            starting.cancel()
        self._releasing.pop(group, None)
        task = asyncio.create_task(self._handler.stop_group(group, StopReason.LOST), name=f"lose-{group}")
        self._losing.add(task)
        task.add_done_callback(self._losing.discard)

    def give_up(self, group: int) -> None:
        """``group``'s runner died by itself (e.g. a fatal gateway close): stop it, release its
        lease, and back off before starting a group again (a crash loop must not burn identifies)."""
        starting = self._starting.get(group)
        if group not in self.leases or group in self._releasing or (starting and not starting.done()):
            return
        self._starting.pop(group, None)
        self._back_off(f"shard group {group} stopped by itself")
        self._releasing[group] = asyncio.create_task(
            self._handler.stop_group(group, StopReason.RELEASE), name=f"give-up-{group}"
        )

    def _back_off(self, why: str) -> None:
        self._failures += 1
        delay = backoff_delay(self._failures - 1, self._backoff_base_s, self._backoff_cap_s)
        self._backoff_until = self._now() + delay
        log.error("%s; backing off %.0f s", why, delay)

    async def _reap(self) -> None:
        for group, task in list(self._starting.items()):
            if not task.done():
                continue
            del self._starting[group]
            error = None if task.cancelled() else task.exception()
            if error is None:
                self._failures = 0
                continue
            self._back_off(f"shard group {group} failed to start ({error})")
            await self._give_back(group)
        for group, task in list(self._releasing.items()):
            if task.done():
                del self._releasing[group]
                await self._give_back(group)

    async def _give_back(self, group: int) -> None:
        lease = self.leases.pop(group, None)
        self._deadlines.pop(group, None)
        if lease is not None:
            with contextlib.suppress(RedisUnavailableError):
                await self._store.release(lease)
            self._metrics.emit("LeasesLost", 1)

    async def _rebalance(self, live: int) -> None:
        owned = set(self.leases) - set(self._releasing)
        taken = {g for g, holder in enumerate(await self._holders()) if holder is not None}
        plan = plan_rebalance(self._groups, owned, taken | set(self.leases), target_share(self._groups, live))
        for group in plan.release:
            log.info("releasing shard group %s to another task (%d tasks live)", group, live)
            self._releasing[group] = asyncio.create_task(
                self._handler.stop_group(group, StopReason.RELEASE), name=f"release-{group}"
            )
        if self._now() < self._backoff_until:
            return
        for group in plan.acquire:
            if self._may_start is not None and not await self._may_start(group):
                self._back_off(f"identify budget too low to start shard group {group}")
                return
            asked_at = self._now()
            lease = await self._store.acquire(group, self.task_id, self._ttl_ms)
            if lease is None:
                continue
            self.leases[group] = lease
            self._deadlines[group] = asked_at + self._ttl_ms / 1000
            self._metrics.emit("LeasesAcquired", 1)
            log.info("took shard group %s (fencing token %s)", group, lease.token)
            self._starting[group] = asyncio.create_task(
                self._handler.start_group(lease), name=f"start-{group}"
            )

    async def _holders(self) -> list[str | None]:
        return await self._store.holders(self._groups)

    async def shutdown(self, deadline_s: float) -> None:
        """Drain every group within ``deadline_s``, release the leases, leave the live set.

        The run loop keeps renewing meanwhile and ends when this returns.
        """
        self._draining = True
        try:
            for task in self._starting.values():
                task.cancel()
            pending = [*self._starting.values(), *self._releasing.values(), *self._losing]
            await asyncio.gather(*pending, return_exceptions=True)
            self._starting.clear()
            self._releasing.clear()
            drains = [self._handler.stop_group(g, StopReason.DRAIN) for g in list(self.leases)]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(deadline_s):
                    results = await asyncio.gather(*drains, return_exceptions=True)
                    for result in results:
                        if isinstance(result, Exception):
                            log.error("drain failed: %s", result)
            for group in list(self.leases):
                await self._give_back(group)
            with contextlib.suppress(RedisUnavailableError):
                await self._store.leave(self.task_id)
        except EncoreError:
            log.exception("shutdown could not finish cleanly; the leases expire by themselves")
        finally:
            self._stop.set()
