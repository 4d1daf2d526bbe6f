"""The API's pure parts: who may manage which guild from Discord's answer, and when two requests
are the same request for idempotency."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from encore.billing.views import Actor
from interactions.api.access import Principal
from interactions.api.bodies import ChangeRequest
from interactions.api.calls import GuildCall
from interactions.api.discord_oauth import manageable_guilds

ADMINISTRATOR, MANAGE_GUILD = 1 << 3, 1 << 5

permissions = st.integers(min_value=0, max_value=(1 << 51) - 1)
guild_entries = st.lists(
    st.tuples(st.integers(min_value=1, max_value=2**63 - 1), permissions, st.booleans()),
    unique_by=lambda entry: entry[0],
    max_size=20,
)


@given(guild_entries)
def test_a_guild_is_manageable_exactly_with_manage_server_administrator_or_ownership(
    entries: list[tuple[int, int, bool]],
) -> None:
    answer = [{"id": str(g), "permissions": str(p), "owner": owner, "name": "x"} for g, p, owner in entries]
    expected = {g for g, p, owner in entries if owner or p & (MANAGE_GUILD | ADMINISTRATOR)}
    assert manageable_guilds(answer) == expected


def call(
    principal: str = "7", path: str = "/api/v1/guilds/1/subscription/change", method: str = "POST"
) -> GuildCall:
    who = Principal("user", principal)
    return GuildCall(1, who, who.actor(None), method, path, "key-1")


tiers = st.from_regex(r"[a-z0-9_-]{1,32}", fullmatch=True)
whens = st.sampled_from(["now", "period_end"])


@given(tiers, whens, tiers, whens)
def test_requests_share_a_fingerprint_exactly_when_they_are_the_same(
    tier: str, when: str, other_tier: str, other_when: str
) -> None:
    first = call().idempotency(ChangeRequest.model_validate({"tier": tier, "when": when}))
    again = call().idempotency(ChangeRequest.model_validate({"when": when, "tier": tier}))
    other = call().idempotency(ChangeRequest.model_validate({"tier": other_tier, "when": other_when}))
    assert first is not None
    assert again is not None
    assert other is not None
    assert first == again
    assert (first.fingerprint == other.fingerprint) == ((tier, when) == (other_tier, other_when))


def test_the_same_body_elsewhere_or_from_someone_else_is_another_request() -> None:
    body = ChangeRequest(tier="premium", when="now")
    base = call().idempotency(body)
    elsewhere = call(path="/api/v1/guilds/2/subscription/change").idempotency(body)
    someone_else = call(principal="8").idempotency(body)
    assert base is not None
    assert elsewhere is not None
    assert someone_else is not None
    assert base.fingerprint != elsewhere.fingerprint
    assert base.principal != someone_else.principal  # keys are scoped per caller
    assert Principal("admin_key", "7").name != Principal("user", "7").name


def test_without_a_key_there_is_no_idempotency_record() -> None:
    who = Principal("user", "7")
    assert GuildCall(1, who, Actor("7"), "PATCH", "/x", None).idempotency() is None
