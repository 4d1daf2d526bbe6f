"""A small JSON control API under ``/_sim`` for driving a simulator running as its own process.

Not part of Discord. Routes (no auth; the simulator listens on loopback):

* ``GET  /_sim/info``                          ids, token, public key, URLs
* ``GET  /_sim/world``                         guilds with channels, members and voice states
* ``PUT  /_sim/config``                        ``{"interactions_url"?, "webhook_events_url"?}``
* ``POST /_sim/guilds``                        ``{"name"}`` → ``{"id"}``
* ``POST /_sim/guilds/{g}/voice-channels``     ``{"name"}`` → ``{"id"}`` (also text-channels)
* ``POST /_sim/guilds/{g}/members``            ``{"user_id"?, "username"?}`` → ``{"id"}``
* ``PUT  /_sim/guilds/{g}/voice-states/{u}``   ``{"channel_id": id | null}``
* ``POST /_sim/interactions/slash``            ``{guild_id, channel_id, user_id, name, options?,
  locale?}`` → the exchange
* ``GET  /_sim/interactions/{token}``          ``{original, followups}``
* ``GET  /_sim/requests``                      the recorded REST requests
* ``POST /_sim/oauth2/tokens``                 ``{"user_id"?, "username"?, "guilds": [{"id",
  "permissions", "owner"?, "name"?}], "scopes"?, "expires_in"?}`` → Discord's token answer + ``user_id``
* ``POST /_sim/entitlements``                  ``{"sku_id", "guild_id" | "user_id"}`` → the entitlement
* ``POST /_sim/webhook-events``                ``{"type": 0}`` (PING) or ``{"type": 1, "event":
  "ENTITLEMENT_CREATE", "entitlement_id" | "data", "url"?}`` → ``{status, delivered, error}``

Bad input answers ``{"message"}``: 400 for a body that is not a JSON object, a missing field or a
value of the wrong type, 404 for an unknown guild, member, channel, token or entitlement, 409 when
the simulator is not set up for the request (no interactions or webhook-events URL yet).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .oauth2 import UserGuild
from .payloads import channel_payload, member_payload, voice_state_payload

if TYPE_CHECKING:
    from .simulator import DiscordSimulator

__all__ = ["control_routes"]

Json = dict[str, Any]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json"},
    )


class _BadInputError(Exception):
    """A control request the simulator cannot act on (answered 400)."""


async def _body(request: web.Request) -> Json:
    raw = await request.read()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        raise _BadInputError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise _BadInputError("expected a JSON object")
    return data


def _require(data: Json, name: str) -> Any:
    if data.get(name) is None:
        raise _BadInputError(f"missing field {name!r}")
    return data[name]


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _guarded(handler: Handler) -> Handler:
    """Answer bad input with a JSON 400 and unknown ids (the world's KeyError) with a 404."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (_BadInputError, ValueError, TypeError) as exc:
            return _json({"message": str(exc)}, 400)
        except KeyError as exc:
            return _json({"message": str(exc.args[0]) if exc.args else "not found"}, 404)
        except RuntimeError as exc:  # e.g. no interactions / webhook-events URL configured yet
            return _json({"message": str(exc)}, 409)

    return guarded


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def control_routes(sim: DiscordSimulator) -> list[web.RouteDef]:
    """The ``/_sim`` routes bound to ``sim``."""

    async def info(_: web.Request) -> web.Response:
        return _json(
            {
                "application_id": str(sim.application_id),
                "bot_user_id": str(sim.bot_user_id),
                "bot_token": sim.bot_token,
                "public_key": sim.public_key_hex,
                "api_base": sim.api_base,
                "gateway_url": sim.gateway_url,
                "interactions_url": sim.interactions_url,
            }
        )

    async def world(_: web.Request) -> web.Response:
        return _json(
            [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "channels": [channel_payload(c) for c in g.channels.values()],
                    "members": [member_payload(m) for m in g.members.values()],
                    "voice_states": [voice_state_payload(g, s) for s in g.voice_states.values()],
                }
                for g in sim.world.guilds.values()
            ]
        )

    async def config(request: web.Request) -> web.Response:
        data = await _body(request)
        if "interactions_url" in data:
            sim.interactions_url = data["interactions_url"]
        if "webhook_events_url" in data:
            sim.webhook_events_url = data["webhook_events_url"]
        return _json({"interactions_url": sim.interactions_url, "webhook_events_url": sim.webhook_events_url})

    async def add_guild(request: web.Request) -> web.Response:
        data = await _body(request)
        guild = sim.add_guild(str(data.get("name", "Sandbox")), _optional_int(data.get("id")))
        return _json({"id": str(guild.id)}, 201)

    async def add_voice_channel(request: web.Request) -> web.Response:
        data = await _body(request)
        guild_id = int(request.match_info["guild_id"])
        channel_id = sim.add_voice_channel(guild_id, str(data.get("name", "General")))
        return _json({"id": str(channel_id)}, 201)

    async def add_text_channel(request: web.Request) -> web.Response:
        data = await _body(request)
        guild_id = int(request.match_info["guild_id"])
        channel_id = sim.add_text_channel(guild_id, str(data.get("name", "general")))
        return _json({"id": str(channel_id)}, 201)

    async def add_member(request: web.Request) -> web.Response:
        data = await _body(request)
        member = sim.add_member(
            int(request.match_info["guild_id"]),
            _optional_int(data.get("user_id")),
            str(data.get("username", "listener")),
            [int(r) for r in data.get("roles") or []],
            _optional_int(data.get("permissions")),
        )
        return _json({"id": str(member.id)}, 201)

    async def set_voice_state(request: web.Request) -> web.Response:
        data = await _body(request)
        guild_id = int(request.match_info["guild_id"])
        user_id = int(request.match_info["user_id"])
        await sim.set_voice_state(guild_id, user_id, _optional_int(data.get("channel_id")))
        return _json(sim.voice_state(guild_id, user_id))

    async def slash(request: web.Request) -> web.Response:
        data = await _body(request)
        exchange = await sim.send_slash_command(
            _optional_int(data.get("guild_id")),
            int(_require(data, "channel_id")),
            int(_require(data, "user_id")),
            str(_require(data, "name")),
            data.get("options"),
            str(data.get("locale", "en-US")),
            float(data.get("timeout", 3.0)),
        )
        return _json(dataclasses.asdict(exchange))

    async def interaction(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if sim.interaction(token) is None:
            return _json({"message": "unknown token"}, 404)
        return _json({"original": sim.original_message(token), "followups": sim.followups(token)})

    async def requests(_: web.Request) -> web.Response:
        return _json([dataclasses.asdict(r) for r in sim.requests])

    async def mint_token(request: web.Request) -> web.Response:
        data = await _body(request)
        guilds = [
            UserGuild(
                int(_require(g, "id")),
                int(g.get("permissions", 0)),
                bool(g.get("owner", False)),
                str(g.get("name", "")),
            )
            for g in data.get("guilds") or []
        ]
        grant = sim.mint_user_token(
            guilds,
            user_id=_optional_int(data.get("user_id")),
            username=str(data.get("username", "dashboard-user")),
            scopes=[str(s) for s in data.get("scopes") or ("identify", "guilds")],
            expires_in=int(data.get("expires_in", 604_800)),
        )
        body = grant.token_response(sim.now())
        body["user_id"] = str(grant.user_id)
        return _json(body, 201)

    async def add_entitlement(request: web.Request) -> web.Response:
        data = await _body(request)
        entitlement = sim.create_test_entitlement(
            int(_require(data, "sku_id")),
            guild_id=_optional_int(data.get("guild_id")),
            user_id=_optional_int(data.get("user_id")),
        )
        return _json(entitlement.payload(), 201)

    async def webhook_event(request: web.Request) -> web.Response:
        data = await _body(request)
        url = data.get("url")
        if int(data.get("type", 1)) == 0:
            exchange = await sim.send_webhook_ping(url=url)
        else:
            payload = data.get("data")
            if payload is None:
                entitlement = sim.entitlements.get(int(_require(data, "entitlement_id")))
                if entitlement is None:
                    return _json({"message": "unknown entitlement"}, 404)
                if _require(data, "event") == "ENTITLEMENT_DELETE":
                    sim.entitlements.delete(entitlement.id)
                payload = entitlement.payload()
            exchange = await sim.send_webhook_event(str(_require(data, "event")), payload, url=url)
        return _json({"status": exchange.status, "delivered": exchange.delivered, "error": exchange.error})

    return [
        web.get("/_sim/info", _guarded(info)),
        web.get("/_sim/world", _guarded(world)),
        web.put("/_sim/config", _guarded(config)),
        web.post("/_sim/guilds", _guarded(add_guild)),
        web.post("/_sim/guilds/{guild_id}/voice-channels", _guarded(add_voice_channel)),
        web.post("/_sim/guilds/{guild_id}/text-channels", _guarded(add_text_channel)),
        web.post("/_sim/guilds/{guild_id}/members", _guarded(add_member)),
        web.put("/_sim/guilds/{guild_id}/voice-states/{user_id}", _guarded(set_voice_state)),
        web.post("/_sim/interactions/slash", _guarded(slash)),
        web.get("/_sim/interactions/{token}", _guarded(interaction)),
        web.get("/_sim/requests", _guarded(requests)),
        web.post("/_sim/oauth2/tokens", _guarded(mint_token)),
        web.post("/_sim/entitlements", _guarded(add_entitlement)),
        web.post("/_sim/webhook-events", _guarded(webhook_event)),
    ]
