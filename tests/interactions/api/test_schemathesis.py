"""schemathesis against the checked-in OpenAPI document (docs/api/openapi.json): generated valid and
invalid requests to every API operation, sent to the front served by uvicorn on loopback (on a
fresh PostgreSQL schema, with a valid admin key), must never get a 5xx and every answer must match
the document (status, content type, headers, body schema). Bounded: 30 examples per operation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from encore.billing.admin_keys import AdminKeys
from encore.billing.service import BillingService
from encore.queue.memory import InMemoryQueue
from encore.routing import ShardLayout
from encore.settings import Settings
from interactions.api.discord_oauth import DiscordUserDirectory
from interactions.api.ports import Billing
from interactions.api.wiring import DatabaseAdminKeys, build_api_services
from interactions.app import create_app
from interactions.core import InteractionsCore
from interactions.services import FrontServices
from interactions.signature import SignatureVerifier
from tests.billing_support import SettableClock, drop_postgres, postgres_database
from tests.ports import free_port

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_path(DOCUMENT).include(path_regex=r"^/(api|discord)/")


@dataclass
class Served:
    """The front on loopback, on its own event loop in a thread (as uvicorn runs it)."""

    url: str = ""
    admin_key: str = ""
    ready: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    server: uvicorn.Server | None = None

    async def run(self, port: int) -> None:
        database, schema_name = await postgres_database()
        try:
            clock = SettableClock()
            service = BillingService(database, clock, cache_ttl_s=0)

            async def billing() -> Billing:
                return service

            self.admin_key = (
                await AdminKeys(database, clock).create("schemathesis", ["billing:read", "billing:write"])
            ).plaintext
            verifier = SignatureVerifier("00" * 32)
            core = InteractionsCore(
                verifier, FrontServices(queue=InMemoryQueue(ShardLayout()), billing=billing)
            )
            config = Settings(_env_file=None)
            api = build_api_services(
                config,
                verifier,
                billing=billing,
                users=DiscordUserDirectory(f"http://127.0.0.1:{free_port()}/api/v10"),
                admin_keys=DatabaseAdminKeys(lambda: database, clock),
            )
            app = create_app(core, config, api)
            self.server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
            )
            self.url = f"http://127.0.0.1:{port}"
            serving = asyncio.create_task(self.server.serve())
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.01)
            self.ready.set()
            await serving
        finally:
            await drop_postgres(database, schema_name)

    def thread_main(self, port: int) -> None:
        try:
            asyncio.run(self.run(port))
        except BaseException as exc:
            self.error = exc
            self.ready.set()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    served = Served()
    thread = threading.Thread(target=served.thread_main, args=(free_port(),), daemon=True)
    thread.start()
    assert served.ready.wait(30), "the front did not start"
    if served.error is not None:
        raise served.error
    yield served
    assert served.server is not None
    served.server.should_exit = True
    thread.join(30)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_document(case: schemathesis.Case[Any], served: Served) -> None:
    case.call_and_validate(base_url=served.url, headers={"X-Admin-Key": served.admin_key}, checks=CHECKS)
