"""Delivery records when Redis fails halfway through a command, and when a record is unreadable:
a command is still carried out at most once by this process, and never twice because of bad data."""

from __future__ import annotations

from redis.asyncio import Redis

from encore.deliveries import (
    DeliveryRecords,
    DeliveryState,
    FallbackRecordStore,
    LocalRecordStore,
    RecordStore,
    RedisRecordStore,
)


class SwitchableRedis:
    """The records in whichever Redis answers now (``down()``: Redis stops answering)."""

    def __init__(self, up: Redis, dead: Redis) -> None:
        self._up = RedisRecordStore(up)
        self._dead = RedisRecordStore(dead)
        self.current: RecordStore = self._up

    def down(self) -> None:
        self.current = self._dead

    def up(self) -> None:
        self.current = self._up

    async def set_if_absent(self, key: str, value: str, ttl_s: int) -> bool:
        return await self.current.set_if_absent(key, value, ttl_s)

    async def get(self, key: str) -> str | None:
        return await self.current.get(key)

    async def compare_and_set(self, key: str, expected: str, value: str, ttl_s: int) -> bool:
        return await self.current.compare_and_set(key, expected, value, ttl_s)

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        return await self.current.compare_and_delete(key, expected)

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        await self.current.put(key, value, ttl_s)


async def test_a_command_claimed_before_redis_failed_is_not_run_twice_during_the_outage(
    redis: Redis, dead_redis: Redis, prefix: str
) -> None:
    switch = SwitchableRedis(redis, dead_redis)
    records = DeliveryRecords(
        FallbackRecordStore(switch, LocalRecordStore(), on_fallback=lambda exc: None), prefix=prefix
    )
    claim = await records.claim(1, "task-a")
    assert claim.state is DeliveryState.NEW
    beat = await records.beat(1, claim, "task-a")  # Redis still up: the heartbeat reaches it
    assert beat is not None
    assert await redis.get(f"{prefix}1") == beat.held.encode()

    switch.down()
    # SQS delivers the same interaction again while the first runner is still at it.
    assert (await records.claim(1, "task-a")).state is DeliveryState.RUNNING
    beat = await records.beat(1, beat, "task-a")
    assert beat is not None  # the runner keeps its claim in this process

    # The runner stops before finishing: the next delivery may run the command at once.
    await records.release(1, beat)
    retry = await records.claim(1, "task-a")
    assert retry.state is DeliveryState.NEW
    await records.executed(1, "Now playing **Take On Me**")
    again = await records.claim(1, "task-a")
    assert (again.state, again.reply) == (DeliveryState.EXECUTED, "Now playing **Take On Me**")


async def test_an_unreadable_record_never_runs_the_command_again(redis: Redis, prefix: str) -> None:
    records = DeliveryRecords(RedisRecordStore(redis), prefix=prefix)
    await redis.set(f"{prefix}7", "{truncated", ex=60)
    assert (await records.claim(7, "task-a")).state is DeliveryState.DONE
    await redis.set(f"{prefix}8", "[1, 2]", ex=60)
    assert (await records.claim(8, "task-a")).state is DeliveryState.DONE


async def test_a_command_finished_during_an_outage_is_not_run_again_when_redis_returns(
    redis: Redis, dead_redis: Redis, prefix: str
) -> None:
    now = [1_000.0]
    switch = SwitchableRedis(redis, dead_redis)
    store = FallbackRecordStore(switch, LocalRecordStore(), on_fallback=lambda exc: None, cooldown_s=0)
    records = DeliveryRecords(store, prefix=prefix, stale_after_s=40, clock=lambda: now[0])
    claim = await records.claim(3, "task-a")
    assert claim.state is DeliveryState.NEW  # Redis now holds "running" for it

    switch.down()
    await records.executed(3, "Skipped **Take On Me**")
    await records.done(3)  # replied while Redis was down: only this process knows

    switch.up()
    now[0] += 120  # long past the heartbeat Redis still holds
    assert (await records.claim(3, "task-a")).state is DeliveryState.DONE
