"""The front with its REST billing API, on a real database (PostgreSQL and SQLite), asking the
Discord simulator about bearer tokens, with a real admin key -- everything as deployed but the
transport (httpx straight into the ASGI app)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from encore.billing.admin_keys import AdminKeys
from encore.billing.service import BillingService
from encore.db.database import Database
from encore.metrics import RecordingSink
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout
from encore.settings import load_settings
from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.oauth2 import UserGuild
from interactions.api.discord_oauth import DiscordUserDirectory
from interactions.api.ports import Billing
from interactions.api.wiring import DatabaseAdminKeys, build_api_services
from interactions.app import FrontApp, create_app
from interactions.core import InteractionsCore
from interactions.services import FrontServices
from interactions.signature import SignatureVerifier
from tests.billing_support import SettableClock, clock, database  # noqa: F401 - fixtures
from tests.signing import DiscordSigner, play_interaction

GUILD_A = 1_100_000_000_000_000_000
GUILD_B = 1_100_000_000_000_000_999
PREMIUM_SKU = 1_300_000_000_000_000_001
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11


@dataclass
class Api:
    client: httpx.AsyncClient
    app: FrontApp
    sim: DiscordSimulator
    billing: BillingService
    billing_database: Database
    clock: SettableClock
    core: InteractionsCore
    signer: DiscordSigner
    queue: InMemoryQueue
    admin_key: str
    read_only_key: str
    api_metrics: RecordingSink
    webhook_metrics: RecordingSink
    keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    interaction_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1 << 60))

    def admin(self, key: str | None = None) -> dict[str, str]:
        return {"X-Admin-Key": key or self.admin_key}

    def manager_of(self, *guilds: int, owner: bool = False) -> dict[str, str]:
        """A Discord user's bearer token with Manage Server (or ownership) on ``guilds``."""
        grant = self.sim.mint_user_token(
            [UserGuild(g, 0 if owner else MANAGE_GUILD | SEND_MESSAGES, owner=owner) for g in guilds]
        )
        return {"Authorization": f"Bearer {grant.access_token}"}

    def member_of(self, *guilds: int) -> dict[str, str]:
        grant = self.sim.mint_user_token([UserGuild(g, SEND_MESSAGES) for g in guilds])
        return {"Authorization": f"Bearer {grant.access_token}"}

    def key(self) -> dict[str, str]:
        return {"Idempotency-Key": f"key-{next(self.keys)}"}

    async def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        chosen = headers if headers is not None else {**self.admin(), **self.key()}
        return await self.client.post(path, json=body, headers=chosen, **kwargs)

    async def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, headers=headers if headers is not None else self.admin(), **kwargs)

    async def interaction(self, command: str, guild_id: int = GUILD_A) -> dict[str, Any]:
        """A slash command through the front, as Discord would send it (signed)."""
        payload = play_interaction(interaction_id=next(self.interaction_ids), guild_id=guild_id)
        payload["data"] = {"id": "1", "name": command, "type": 1, "options": []}
        body = json.dumps(payload).encode()
        headers = self.signer.headers(body)
        answer = await self.core.handle(
            body, headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"]
        )
        assert answer.status == 200, answer.body
        return answer.body


@pytest.fixture
async def discord_sim(signer: DiscordSigner) -> AsyncIterator[DiscordSimulator]:
    """Discord, holding the application key the tests sign with too."""
    async with DiscordSimulator(signing_seed=signer.key.encode()) as simulator:
        yield simulator


@pytest.fixture
async def api(
    database: Database,  # noqa: F811 - the billing_support fixture
    clock: SettableClock,  # noqa: F811
    discord_sim: DiscordSimulator,
    signer: DiscordSigner,
) -> AsyncIterator[Api]:
    billing = BillingService(database, clock, sku_tiers={PREMIUM_SKU: "premium"}, cache_ttl_s=0)

    async def provider() -> Billing:
        return billing

    keys = AdminKeys(database, clock)
    admin_key = (await keys.create("tests", ["billing:read", "billing:write"])).plaintext
    read_only_key = (await keys.create("support desk", ["billing:read"])).plaintext
    queue = InMemoryQueue(ShardLayout())
    verifier = SignatureVerifier(signer.public_key_hex)
    services = FrontServices(queue=queue, sku_tiers={PREMIUM_SKU: "premium"}, billing=provider)
    core = InteractionsCore(verifier, services)
    api_metrics, webhook_metrics = RecordingSink(), RecordingSink()
    settings = load_settings(discord_api_base=discord_sim.api_base)
    users = DiscordUserDirectory(discord_sim.api_base)
    app = create_app(
        core,
        settings,
        build_api_services(
            settings,
            verifier,
            billing=provider,
            users=users,
            admin_keys=DatabaseAdminKeys(lambda: database, clock),
            api_sink=api_metrics,
            webhook_sink=webhook_metrics,
        ),
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://front") as client:
        yield Api(
            client=client,
            app=app,
            sim=discord_sim,
            billing=billing,
            billing_database=database,
            clock=clock,
            core=core,
            signer=signer,
            queue=queue,
            admin_key=admin_key,
            read_only_key=read_only_key,
            api_metrics=api_metrics,
            webhook_metrics=webhook_metrics,
        )
    await users.aclose()
