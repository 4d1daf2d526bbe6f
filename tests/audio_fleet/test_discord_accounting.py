"""Counting Discord's 429s by scope and the invalid requests of the last 10 minutes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_fleet.discord_accounting import DiscordAccounting, InvalidRequestBudget, rate_limit_scope
from encore.metrics import RecordingSink


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_is_a_sliding_ten_minute_window() -> None:
    budget = InvalidRequestBudget(limit=3)
    assert budget.record(0.0) == 1
    assert budget.record(300.0) == 2
    assert budget.remaining(300.0) == 1
    assert budget.count(599.9) == 2
    assert budget.count(600.0) == 1  # the first one left the window
    assert budget.record(900.0) == 1
    assert budget.remaining(900.0) == 2


@given(st.lists(st.floats(min_value=0, max_value=5000), max_size=50))
def test_the_count_is_the_requests_of_the_last_window(offsets: list[float]) -> None:
    budget = InvalidRequestBudget(window_s=600.0)
    times = sorted(offsets)
    for at in times:
        budget.record(at)
    end = times[-1] if times else 0.0
    assert budget.count(end) == sum(1 for at in times if at > end - 600.0)


def test_scopes() -> None:
    assert rate_limit_scope({"X-RateLimit-Scope": "shared"}) == "shared"
    assert rate_limit_scope({"X-RateLimit-Scope": "USER"}) == "user"
    assert rate_limit_scope({"X-RateLimit-Global": "true"}) == "global"
    assert rate_limit_scope({}) == "unknown"


def test_what_counts_as_invalid() -> None:
    sink, clock = RecordingSink(), Clock()
    accounting = DiscordAccounting(sink, "https://discord.com/api/v10", clock=clock)
    accounting.observe(200, {})
    accounting.observe(404, {})  # not held against the budget
    accounting.observe(401, {})
    accounting.observe(403, {})
    accounting.observe(429, {"X-RateLimit-Scope": "user"})
    accounting.observe(429, {"X-RateLimit-Scope": "shared"})
    accounting.observe(429, {"X-RateLimit-Scope": "global", "X-RateLimit-Global": "true"})
    assert accounting.rate_limited == {"user": 1, "shared": 1, "global": 1}
    assert accounting.invalid_in_window() == 4
    assert [v for name, v, _ in sink.values if name == "InvalidRequests"] == [1, 2, 3, 4]
    clock.now += 601
    assert accounting.invalid_in_window() == 0


def test_only_discords_host_is_watched() -> None:
    from yarl import URL

    accounting = DiscordAccounting(RecordingSink(), "https://discord.com/api/v10")
    assert accounting.is_discord(URL("https://discord.com/api/v10/channels/1/messages"))
    assert not accounting.is_discord(URL("http://lavalink:2333/v4/loadtracks"))
    assert not accounting.is_discord(URL("/relative"))
