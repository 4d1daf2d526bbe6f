"""One authorised API call: who, on which guild, from where, with which ``Idempotency-Key``.

:func:`guild_call` builds the FastAPI dependency every guild route takes. It checks the caller
(:mod:`interactions.api.access`), and for POSTs requires an ``Idempotency-Key`` (400 without one).
:meth:`GuildCall.idempotency` turns the key and the validated body into the service's
:class:`~encore.billing.views.IdempotencyRequest`: the fingerprint is a SHA-256 of the method, the
path and the body in canonical JSON, so the same request retried with the same key gets the first
answer back, and the same key with another body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Header, Path, Request
from pydantic import BaseModel

from encore.billing.views import Actor, IdempotencyRequest
from interactions.api.access import AccessPolicy, Principal
from interactions.api.problems import ApiProblem

__all__ = ["GuildCall", "GuildId", "guild_call"]

MAX_SNOWFLAKE: Final = 2**63 - 1
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, no spaces

GuildId = Annotated[int, Path(gt=0, le=MAX_SNOWFLAKE, description="The Discord guild (server) id.")]


@dataclass(frozen=True, slots=True)
class GuildCall:
    guild_id: int
    principal: Principal
    actor: Actor
    method: str
    path: str
    key: str | None

    def idempotency(self, body: BaseModel | None = None) -> IdempotencyRequest | None:
        if self.key is None:
            return None
        canonical: Any = body.model_dump(mode="json") if body is not None else None
        blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.sha256(f"{self.method} {self.path}\n{blob}".encode()).hexdigest()
        return IdempotencyRequest(key=self.key, fingerprint=fingerprint, principal=self.principal.name)


def guild_call(access: AccessPolicy, scope: str, *, needs_key: bool) -> Callable[..., Awaitable[GuildCall]]:
    """The dependency of a guild route needing ``scope`` (and an Idempotency-Key if ``needs_key``)."""

    async def dependency(
        request: Request,
        guild_id: GuildId,
        # Documented as the security schemes of the OpenAPI document, not as parameters.
        authorization: Annotated[str | None, Header(max_length=1024, include_in_schema=False)] = None,
        x_admin_key: Annotated[str | None, Header(max_length=512, include_in_schema=False)] = None,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                max_length=255,
                description="Required on POST: a unique key per intended change (retries reuse it).",
            ),
        ] = None,
    ) -> GuildCall:
        principal = await access.authorize(authorization, x_admin_key, guild_id, scope)
        if idempotency_key is not None and not _KEY.match(idempotency_key):
            raise ApiProblem(400, "Idempotency-Key must be 1-255 visible ASCII characters.")
        if needs_key and idempotency_key is None:
            raise ApiProblem(
                400,
                "This request changes something: send an Idempotency-Key header (e.g. a UUID) so a "
                "retry cannot apply it twice.",
                kind="idempotency-key-required",
            )
        ip = request.client.host if request.client else None
        return GuildCall(
            guild_id=guild_id,
            principal=principal,
            actor=principal.actor(ip),
            method=request.method,
            path=request.url.path,
            key=idempotency_key,
        )

    return dependency
