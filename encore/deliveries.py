"""Delivery records: each queued command is carried out once, however often the queue delivers it.

SQS delivers a message at least once: after a fleet task crashed, a reply failed, a delete got lost,
or a shard group moved to another task, the same interaction arrives again. Before carrying out a
command, the consumer *claims* its interaction id here; the record then moves through

    running (owner, heartbeat) -> executed (the reply text, not yet delivered) -> done (replied)

and a later delivery learns from :meth:`DeliveryRecords.claim` what to do:

* ``NEW``: nobody has it (or its runner stopped beating: crashed) -- carry it out;
* ``RUNNING``: another consumer is carrying it out right now -- leave the message alone;
* ``EXECUTED``: carried out, but the reply did not get through -- send the stored reply again;
* ``DONE``: answered -- delete the message.

Records live ``ttl_s`` (20 minutes: longer than the 15-minute interaction token, after which the
command is dropped as expired anyway). :class:`RedisRecordStore` shares them between fleet tasks
(``SET NX EX`` to claim, a compare-and-set script for takeovers and heartbeats);
:class:`LocalRecordStore` keeps them in this process (sandbox, no ``REDIS_URL``) and is the fallback
of :class:`FallbackRecordStore` while Redis is down.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from encore.redis_client import RedisWithFallback, translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "DELIVERY_RECORD_TTL_S",
    "Claim",
    "DeliveryRecords",
    "DeliveryState",
    "FallbackRecordStore",
    "LocalRecordStore",
    "RecordStore",
    "RedisRecordStore",
]

#: Longer than Discord's 15-minute interaction token: a redelivery after that is dropped as expired.
DELIVERY_RECORD_TTL_S: Final = 20 * 60


class DeliveryState(StrEnum):
    NEW = "new"
    RUNNING = "running"
    EXECUTED = "executed"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Claim:
    """What a delivery found. ``NEW`` means this delivery now owns the command."""

    state: DeliveryState
    #: With ``EXECUTED``: the reply that still has to reach the user, and how the command ended.
    reply: str | None = None
    outcome: str = ""
    #: With ``NEW``: the previous runner had stopped beating, and this delivery took over.
    took_over: bool = False
    #: With ``NEW``: the stored value this owner holds (for compare-and-set).
    held: str = ""


class RecordStore(Protocol):
    """A tiny expiring key-value store with the atomic operations the records need."""

    async def set_if_absent(self, key: str, value: str, ttl_s: int) -> bool: ...

    async def get(self, key: str) -> str | None: ...

    async def compare_and_set(self, key: str, expected: str, value: str, ttl_s: int) -> bool: ...

    async def compare_and_delete(self, key: str, expected: str) -> bool: ...

    async def put(self, key: str, value: str, ttl_s: int) -> None: ...


class DeliveryRecords:
    """Claims and records interaction ids in a :class:`RecordStore` (see the module docstring).

    A ``running`` record whose heartbeat is older than ``stale_after_s`` (on ``clock``, epoch
    seconds) belongs to a runner that died: the next delivery takes it over.
    """

    def __init__(
        self,
        store: RecordStore,
        *,
        prefix: str = "encore:delivery:",
        ttl_s: int = DELIVERY_RECORD_TTL_S,
        stale_after_s: float = 40.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._stale_after_s = stale_after_s
        self._clock = clock

    def _key(self, interaction_id: int) -> str:
        return f"{self._prefix}{interaction_id}"

    def _running(self, owner: str) -> str:
        return _encode(state=DeliveryState.RUNNING, owner=owner, beat=self._clock())

    async def claim(self, interaction_id: int, owner: str) -> Claim:
        key = self._key(interaction_id)
        for _ in range(2):  # a record that expires between the two calls gets a second chance
            running = self._running(owner)
            if await self._store.set_if_absent(key, running, self._ttl_s):
                return Claim(DeliveryState.NEW, held=running)
            found = await self._store.get(key)
            if found is None:
                continue
            record = _decode(found)
            state = DeliveryState(record.get("state", DeliveryState.DONE))
            if state is DeliveryState.RUNNING:
                if self._clock() - float(record.get("beat", 0.0)) <= self._stale_after_s:
                    return Claim(DeliveryState.RUNNING)
                if await self._store.compare_and_set(key, found, running, self._ttl_s):
                    return Claim(DeliveryState.NEW, took_over=True, held=running)
                return Claim(DeliveryState.RUNNING)  # someone else took it over just now
            if state is DeliveryState.EXECUTED:
                return Claim(
                    DeliveryState.EXECUTED,
                    reply=str(record.get("reply", "")),
                    outcome=str(record.get("outcome", "")),
                )
            return Claim(DeliveryState.DONE)
        return Claim(DeliveryState.RUNNING)

    async def beat(self, interaction_id: int, claim: Claim, owner: str) -> Claim | None:
        """Refresh a running claim's heartbeat; None when another runner has taken it over."""
        running = self._running(owner)
        if await self._store.compare_and_set(self._key(interaction_id), claim.held, running, self._ttl_s):
            return Claim(DeliveryState.NEW, took_over=claim.took_over, held=running)
        return None

    async def executed(self, interaction_id: int, reply: str, outcome: str = "") -> None:
        """The command was carried out (``outcome``: how); ``reply`` is what the user must see."""
        value = _encode(state=DeliveryState.EXECUTED, reply=reply, outcome=outcome)
        await self._store.put(self._key(interaction_id), value, self._ttl_s)

    async def done(self, interaction_id: int) -> None:
        """The user got the final reply (or can never get one): later deliveries are deleted."""
        await self._store.put(self._key(interaction_id), _encode(state=DeliveryState.DONE), self._ttl_s)

    async def release(self, interaction_id: int, claim: Claim) -> None:
        """Give up a running claim (stopped before finishing): the next delivery runs it at once."""
        await self._store.compare_and_delete(self._key(interaction_id), claim.held)


def _encode(**fields: Any) -> str:
    return json.dumps(fields, separators=(",", ":"), sort_keys=True)


def _settled(raw: str) -> bool:
    """The record says the command was carried out (executed or done): it must never run again."""
    return _decode(raw).get("state") in (DeliveryState.EXECUTED, DeliveryState.DONE)


def _decode(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"state": DeliveryState.DONE}  # unreadable: never run a command twice because of it
    return value if isinstance(value, dict) else {"state": DeliveryState.DONE}


# Compare-and-set and compare-and-delete, atomically on the Redis server.
_CAS: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""
_CAD: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisRecordStore:
    """Records shared by every fleet task. Failures raise RedisUnavailableError."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def set_if_absent(self, key: str, value: str, ttl_s: int) -> bool:
        with translate_redis_errors("delivery claim"):
            return bool(await self._redis.set(key, value, nx=True, ex=ttl_s))

    async def get(self, key: str) -> str | None:
        with translate_redis_errors("delivery lookup"):
            raw = await self._redis.get(key)
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def compare_and_set(self, key: str, expected: str, value: str, ttl_s: int) -> bool:
        with translate_redis_errors("delivery update"):
            return bool(await self._redis.eval(_CAS, 1, key, expected, value, ttl_s))

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        with translate_redis_errors("delivery release"):
            return bool(await self._redis.eval(_CAD, 1, key, expected))

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        with translate_redis_errors("delivery record"):
            await self._redis.set(key, value, ex=ttl_s)


class LocalRecordStore:
    """Records of this process only, expiring on ``clock`` (seconds); at most ``max_keys`` kept."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_keys = max_keys
        self._clock = clock
        self._values: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._values)

    def _live(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None:
            return None
        if found[1] <= self._clock():
            del self._values[key]
            return None
        return found[0]

    def _store(self, key: str, value: str, ttl_s: int) -> None:
        self._values[key] = (value, self._clock() + ttl_s)
        self._values.move_to_end(key)
        while len(self._values) > self._max_keys:
            self._values.popitem(last=False)

    async def set_if_absent(self, key: str, value: str, ttl_s: int) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl_s)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def compare_and_set(self, key: str, expected: str, value: str, ttl_s: int) -> bool:
        if self._live(key) != expected:
            return False
        self._store(key, value, ttl_s)
        return True

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        if self._live(key) != expected:
            return False
        del self._values[key]
        return True

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        self._store(key, value, ttl_s)


class FallbackRecordStore(RedisWithFallback[RecordStore]):
    """Redis while it answers, this process's records while it does not (never raises on an outage).

    Every write also goes to the local store, so a delivery that reaches this process again is
    recognised even across the start or end of an outage.
    """

    async def set_if_absent(self, key: str, value: str, ttl_s: int) -> bool:
        local = await self._fallback.set_if_absent(key, value, ttl_s)

        async def local_answer() -> bool:
            return local

        return await self._breaker.call(lambda: self._primary.set_if_absent(key, value, ttl_s), local_answer)

    async def get(self, key: str) -> str | None:
        # A command this process finished while Redis was down is settled here only: Redis may still
        # hold the old "running" record, whose stale heartbeat would let a redelivery run it again.
        local = await self._fallback.get(key)
        if local is not None and _settled(local):
            return local
        return await self._breaker.call(lambda: self._primary.get(key), lambda: self._fallback.get(key))

    async def compare_and_set(self, key: str, expected: str, value: str, ttl_s: int) -> bool:
        async def primary() -> bool:
            changed = await self._primary.compare_and_set(key, expected, value, ttl_s)
            if changed:
                await self._fallback.put(key, value, ttl_s)
            return changed

        return await self._breaker.call(
            primary, lambda: self._fallback.compare_and_set(key, expected, value, ttl_s)
        )

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        local = await self._fallback.compare_and_delete(key, expected)

        async def local_answer() -> bool:
            return local

        return await self._breaker.call(lambda: self._primary.compare_and_delete(key, expected), local_answer)

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        await self._fallback.put(key, value, ttl_s)

        async def nothing_more() -> None:
            return None

        await self._breaker.call(lambda: self._primary.put(key, value, ttl_s), nothing_more)
