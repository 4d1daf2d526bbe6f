"""Who may call the billing API: a guild's managers (Discord OAuth2, checked with Discord) on that
guild only, and back-office admin keys within their scopes. Everyone else is told why, as
problem+json."""

from __future__ import annotations

import httpx
import pytest

from encore.billing.admin_keys import AdminKeys
from interactions.api.wiring import ADMIN_KEY_TTL_S, DatabaseAdminKeys
from tests.interactions.api.conftest import GUILD_A, GUILD_B, Api

SUB_A = f"/api/v1/guilds/{GUILD_A}/subscription"
SUB_B = f"/api/v1/guilds/{GUILD_B}/subscription"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


async def test_no_credentials_is_401_with_a_challenge(api: Api) -> None:
    answer = await api.get(SUB_A, headers={})
    body = assert_problem(answer, 401)
    assert "Bearer" in answer.headers["www-authenticate"]
    assert "OAuth2" in str(body["detail"])


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-real-token",  # Discord does not know it
        "Basic dXNlcjpwYXNz",  # a scheme we do not take
        "Admin enc_not-a-key",  # an admin key nobody issued
        "Bearer " + "x" * 600,  # absurdly long: refused without asking Discord
    ],
)
async def test_unrecognised_credentials_are_401(api: Api, authorization: str) -> None:
    assert_problem(await api.get(SUB_A, headers={"Authorization": authorization}), 401)


async def test_a_member_without_manage_server_is_403(api: Api) -> None:
    body = assert_problem(await api.get(SUB_A, headers=api.member_of(GUILD_A)), 403)
    assert "Manage Server" in str(body["detail"])


async def test_a_manager_reads_their_guild_and_an_owner_too(api: Api) -> None:
    manager = await api.get(SUB_A, headers=api.manager_of(GUILD_A))
    assert manager.status_code == 200
    assert manager.json()["guild_id"] == GUILD_A
    assert manager.json()["tier"] == "free"
    owner = await api.get(SUB_A, headers=api.manager_of(GUILD_A, owner=True))
    assert owner.status_code == 200


async def test_guild_a_admin_can_neither_read_nor_change_guild_b(api: Api) -> None:
    admin_of_a = api.manager_of(GUILD_A)
    for path in (SUB_B, f"/api/v1/guilds/{GUILD_B}/ledger", f"/api/v1/guilds/{GUILD_B}/settings"):
        assert_problem(await api.get(path, headers=admin_of_a), 403)
    trial = await api.post(f"{SUB_B}/trial", {"tier": "premium"}, headers={**admin_of_a, **api.key()})
    assert_problem(trial, 403)
    patch = await api.client.patch(
        f"/api/v1/guilds/{GUILD_B}/settings", json={"default_volume": 5}, headers=admin_of_a
    )
    assert_problem(patch, 403)
    # Nothing happened to guild B.
    state = await api.get(SUB_B)
    assert state.json()["status"] == "none"
    assert (await api.get(f"/api/v1/guilds/{GUILD_B}/settings")).json()["default_volume"] == 100


async def test_the_token_check_is_cached_briefly(api: Api) -> None:
    headers = api.manager_of(GUILD_A)
    for _ in range(3):
        assert (await api.get(SUB_A, headers=headers)).status_code == 200
    asked = [r for r in api.sim.requests if r.path.endswith("/users/@me/guilds")]
    assert len(asked) == 1


async def test_admin_keys_work_in_either_header_within_their_scopes(api: Api) -> None:
    assert (await api.get(SUB_A, headers={"Authorization": f"Admin {api.admin_key}"})).status_code == 200
    assert (await api.get(SUB_A, headers=api.admin(api.read_only_key))).status_code == 200
    refused = await api.post(
        f"{SUB_A}/trial", {"tier": "premium"}, headers={**api.admin(api.read_only_key), **api.key()}
    )
    body = assert_problem(refused, 403)
    assert "billing:write" in str(body["detail"])


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_revoked_admin_key_stops_working_within_the_cache_time(api: Api) -> None:
    keys = AdminKeys(api.billing_database, api.clock)
    created = await keys.create("leaver", ["billing:read"])
    ticks = Ticks()
    verifier = DatabaseAdminKeys(lambda: api.billing_database, api.clock, monotonic=ticks)
    assert await verifier.verify(created.plaintext) is not None
    assert await keys.revoke(created.key.id)
    assert await verifier.verify(created.plaintext) is not None  # remembered for a few seconds
    ticks.now += ADMIN_KEY_TTL_S + 0.1
    assert await verifier.verify(created.plaintext) is None


async def test_discord_trouble_is_not_the_callers_fault(api: Api) -> None:
    """Discord down or rate-limiting the token check: 502 / 429 with Retry-After, not 401, and the
    next try (Discord back) works -- a failure is not remembered like a refused token."""
    headers = api.manager_of(GUILD_A)
    api.sim.faults.server_error("/users/@me", count=1, status=503)
    down = await api.get(SUB_A, headers=headers)
    assert_problem(down, 502)
    api.sim.faults.rate_limit("/users/@me", count=1, retry_after=2.0)
    limited = await api.get(SUB_A, headers=headers)
    assert_problem(limited, 429)
    assert limited.headers["retry-after"] == "2"
    assert (await api.get(SUB_A, headers=headers)).status_code == 200
