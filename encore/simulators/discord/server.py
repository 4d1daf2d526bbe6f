"""The HTTP edge: one aiohttp application serving REST under ``/api/v10``, the gateway at
``/gateway`` and the simulator's control API under ``/_sim``.

For each REST request, in Discord's order: injected faults (latency, then a 429 or 5xx), route
matching (404/405), ``Authorization: Bot <token>`` for bot routes, or a user's ``Bearer <token>``
on the routes that take one (401), the JSON body (400
50109), rate-limit buckets (429), then the handler. Every answer has ``Content-Type`` exactly
``application/json`` when it has a body (discord.py ignores JSON labelled with a charset) and
``Via: 1.1 google`` (discord.py retries a 429 only when ``Via`` is present). Every request is
recorded in the :class:`~encore.simulators.recording.RequestLog` with the status answered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final

from aiohttp import web
from multidict import CIMultiDict

from encore.simulators.recording import RecordedRequest, RequestLog

from .errors import RestError
from .faults import Faults, RestFault
from .oauth2 import OAuth2Grant, token_key
from .ratelimit import RateDecision, RateLimiter, too_many_requests
from .rest import RestApi, RestRequest, RestResponse

__all__ = ["API_PREFIX", "RestEdge", "build_app"]

API_PREFIX: Final = "/api/v10"
_VIA: Final = "1.1 google"

Json = dict[str, Any]


def _response(
    status: int, body: Any, headers: dict[str, str] | None = None, *, via: bool = True
) -> web.Response:
    out: CIMultiDict[str] = CIMultiDict(headers or {})
    if via:
        out["Via"] = _VIA
    if body is None:
        return web.Response(status=status, headers=out)
    out["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=out)


class RestEdge:
    """aiohttp handler for everything under :data:`API_PREFIX`."""

    def __init__(
        self,
        *,
        api: RestApi,
        faults: Faults,
        limiter: RateLimiter,
        log: RequestLog,
        token: Callable[[], str],
        bearer: Callable[[str], OAuth2Grant | None] = lambda _token: None,
    ) -> None:
        self._api = api
        self._bearer = bearer
        self._faults = faults
        self._limiter = limiter
        self._log = log
        self._token = token
        #: 401, 403 and non-``shared`` 429 answers (Discord bans an IP after 10,000 per 10 min).
        self.invalid_requests = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body, body_error = await self._read_body(request)
        response = await self._answer(request, body, body_error)
        if response.status in (401, 403) or (
            response.status == 429 and response.headers.get("X-RateLimit-Scope") != "shared"
        ):
            self.invalid_requests += 1
        self._log.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                json=body,
                status=response.status,
            )
        )
        return response

    async def _read_body(self, request: web.Request) -> tuple[Any, bool]:
        """The JSON body (``payload_json`` for multipart) and whether it failed to parse."""
        if request.content_type == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            payload: Any = None
            if isinstance(raw, str):
                try:
                    payload = json.loads(raw)
                except ValueError:
                    return None, True
            files = [(k, v) for k, v in form.items() if k.startswith("files[")]
            if isinstance(payload, dict) and files:
                payload["attachments"] = _attachments(request, payload.get("attachments"), files)
            return payload, False
        raw_bytes = await request.read()
        if not raw_bytes:
            return None, False
        try:
            return json.loads(raw_bytes), False
        except ValueError:
            return None, True

    async def _answer(self, request: web.Request, body: Any, body_error: bool) -> web.Response:
        delay, fault = self._faults.take(request.method, request.path)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None:
            return self._fault_response(fault)
        sub_path = request.path[len(API_PREFIX) :] or "/"
        grant: OAuth2Grant | None = None
        try:
            route, params = self._api.match(request.method, sub_path)
            if route.kind == "bot":
                grant = self._authenticate(route.bearer, request.headers.get("Authorization", ""))
            if body_error:
                raise RestError.invalid_json()
        except RestError as exc:
            return _response(exc.status, exc.body())
        decision = self._limiter.check(
            shape=route.shape,
            major=params.get(route.major, "") if route.major else "",
            webhook_token=params.get("token") if route.kind == "webhook" else None,
            bot=route.kind == "bot" and grant is None,
            bearer=token_key(grant.access_token) if grant is not None else None,
        )
        if not decision.allowed:
            return _response(429, decision.body, decision.headers, via=decision.via)
        try:
            result: RestResponse = await self._api.handle(
                route,
                RestRequest(
                    method=request.method,
                    path=sub_path,
                    params=params,
                    query=dict(request.query),
                    json=body,
                    grant=grant,
                ),
            )
        except RestError as exc:
            return _response(exc.status, exc.body(), decision.headers)
        return _response(result.status, result.body, decision.headers)

    def _authenticate(self, bearer_allowed: bool, authorization: str) -> OAuth2Grant | None:
        """None for the bot token; the user's grant for a bearer token; else 401."""
        if bearer_allowed and authorization.startswith("Bearer "):
            grant = self._bearer(authorization.removeprefix("Bearer "))
            if grant is None:
                raise RestError.unauthorized()
            return grant
        if authorization != f"Bot {self._token()}":
            raise RestError.unauthorized()
        return None

    @staticmethod
    def _fault_response(fault: RestFault) -> web.Response:
        if fault.kind == "rate_limit":
            decision: RateDecision = too_many_requests(
                retry_after=fault.retry_after,
                bucket="global" if fault.is_global else "simulated-fault",
                limit=1,
                scope="global" if fault.is_global else fault.scope,
                is_global=fault.is_global,
                via=fault.via,
            )
            return _response(429, decision.body, decision.headers, via=decision.via)
        return _response(fault.status, {"message": f"{fault.status}: Server Error", "code": 0})


def _attachments(request: web.Request, declared: Any, files: list[tuple[str, Any]]) -> list[Any]:
    """The ``attachments`` Discord answers for uploaded ``files[n]``: the declared entry (matched by
    id ``n`` or filename) completed with ``size``, ``url``, ``proxy_url`` and ``content_type``."""
    entries = [dict(a) for a in declared if isinstance(a, dict)] if isinstance(declared, list) else []
    for key, item in files:
        index = key.removeprefix("files[").removesuffix("]")
        name = str(getattr(item, "filename", None) or f"file{index}")
        entry = next((a for a in entries if str(a.get("id")) == index or a.get("filename") == name), None)
        if entry is None:
            entry = {"id": index, "filename": name}
            entries.append(entry)
        data = item.file.read() if isinstance(item, web.FileField) else str(item).encode()
        url = f"{request.scheme}://{request.host}/attachments/{index}/{name}"
        entry.update(
            id=str(entry["id"]),
            size=len(data),
            url=url,
            proxy_url=url,
            content_type=getattr(item, "content_type", "application/octet-stream"),
        )
    return entries


def build_app(
    *,
    rest: RestEdge,
    gateway: Callable[[web.Request], Awaitable[web.StreamResponse]],
    control: Iterable[web.RouteDef] = (),
) -> web.Application:
    app = web.Application()
    app.router.add_route("*", API_PREFIX + "/{tail:.*}", rest.handle)
    app.router.add_get("/gateway", gateway)
    app.router.add_get("/gateway/", gateway)
    app.add_routes(list(control))
    return app
