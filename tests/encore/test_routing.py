"""Guild → shard → shard group routing: every guild lands on exactly one group's queue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.routing import ShardLayout

snowflakes = st.integers(min_value=1, max_value=2**63 - 1)


def test_known_guild_lands_on_discords_shard() -> None:
    # Discord's documented formula: (guild_id >> 22) % num_shards.
    layout = ShardLayout(shard_count=16, shards_per_group=4)
    guild_id = 197038439483310086
    assert layout.shard_for_guild(guild_id) == (guild_id >> 22) % 16
    assert layout.group_for_guild(guild_id) == layout.shard_for_guild(guild_id) // 4


@given(
    guild_id=snowflakes,
    shard_count=st.integers(min_value=1, max_value=5000),
    per_group=st.integers(min_value=1, max_value=64),
)
def test_every_guild_is_in_the_group_that_holds_its_shard(
    guild_id: int, shard_count: int, per_group: int
) -> None:
    layout = ShardLayout(shard_count, per_group)
    group = layout.group_for_guild(guild_id)
    assert 0 <= group < layout.group_count
    assert layout.shard_for_guild(guild_id) in layout.shards_in_group(group)


@given(shard_count=st.integers(min_value=1, max_value=3000), per_group=st.integers(1, 50))
def test_groups_partition_the_shards(shard_count: int, per_group: int) -> None:
    layout = ShardLayout(shard_count, per_group)
    shards = [s for g in range(layout.group_count) for s in layout.shards_in_group(g)]
    assert shards == list(range(shard_count))


def test_last_group_may_be_smaller() -> None:
    layout = ShardLayout(shard_count=10, shards_per_group=4)
    assert layout.group_count == 3
    assert layout.shards_in_group(2) == (8, 9)


@pytest.mark.parametrize(
    ("shard_count", "per_group"),
    [(0, 1), (1, 0), (-3, 2)],  # nothing to shard / empty groups / nonsense
)
def test_layout_refuses_impossible_sizes(shard_count: int, per_group: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ShardLayout(shard_count, per_group)


def test_out_of_range_shard_and_group_are_refused() -> None:
    layout = ShardLayout(4, 2)
    with pytest.raises(ValueError, match="outside"):
        layout.group_for_shard(4)
    with pytest.raises(ValueError, match="outside"):
        layout.shards_in_group(2)
