"""Discord REST v10 routes, as plain functions of a :class:`RestRequest`.

No aiohttp here: :mod:`.server` parses the HTTP request, applies faults, authentication and rate
limits, then calls :meth:`RestApi.handle`, which returns a :class:`RestResponse` or raises a
:class:`~.errors.RestError`. Each route declares its kind, which decides authentication and
rate limiting:

* ``bot``: needs ``Authorization: Bot <token>``; global and per-route buckets;
* ``webhook``: interaction webhooks (no auth, the token is in the path); per-token bucket;
* ``callback``: ``POST /interactions/{id}/{token}/callback``; no auth, exempt from global;
* ``open``: ``GET /gateway``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .commands import CommandStore
from .errors import UNKNOWN_CHANNEL, UNKNOWN_GUILD, UNKNOWN_VOICE_STATE, RestError, field_error
from .interaction_store import InteractionRecord, InteractionStore
from .messages import public_view
from .payloads import (
    channel_payload,
    member_payload,
    role_payload,
    user_payload,
    voice_state_payload,
)
from .world import SimGuild, World

__all__ = ["RestApi", "RestRequest", "RestResponse", "RestRoute", "RouteKind"]

Json = dict[str, Any]
RouteKind = Literal["bot", "webhook", "callback", "open"]


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str  #: path below the API prefix, e.g. ``/users/@me``
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass(frozen=True)
class RestResponse:
    status: int = 200
    body: Any = None  #: None: no body (204)


Handler = Callable[[RestRequest], Awaitable[RestResponse]]


@dataclass(frozen=True)
class RestRoute:
    method: str
    template: str
    kind: RouteKind
    handler: Handler
    major: str | None = None
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def shape(self) -> str:
        return f"{self.method} {self.template}"


def _ok(body: Any, status: int = 200) -> RestResponse:
    return RestResponse(status, body)


def _no_content() -> RestResponse:
    return RestResponse(204, None)


def _snowflake(value: str, what: str = "snowflake") -> int:
    try:
        return int(value)
    except ValueError:
        error = field_error("NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
        raise RestError.invalid_form_body({what: error}) from None


class RestApi:
    """The REST routes the simulator serves and their handlers."""

    def __init__(
        self,
        *,
        world: World,
        commands: CommandStore,
        interactions: InteractionStore,
        application_id: int,
        application_info: Callable[[], Json],
        gateway_url: Callable[[], str],
        gateway_bot: Callable[[], Json],
    ) -> None:
        self._world = world
        self._commands = commands
        self._interactions = interactions
        self._application_id = application_id
        self._application_info = application_info
        self._gateway_url = gateway_url
        self._gateway_bot = gateway_bot
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        hook = "/webhooks/{application_id}/{token}"
        self.routes: tuple[RestRoute, ...] = (
            RestRoute("GET", "/users/@me", "bot", self._get_me),
            RestRoute("GET", "/oauth2/applications/@me", "bot", self._get_application),
            RestRoute("GET", "/applications/@me", "bot", self._get_application),
            RestRoute("GET", "/gateway", "open", self._get_gateway),
            RestRoute("GET", "/gateway/bot", "bot", self._get_gateway_bot),
            RestRoute("GET", app_cmds, "bot", self._list_commands, "application_id"),
            RestRoute("PUT", app_cmds, "bot", self._put_commands, "application_id"),
            RestRoute("POST", app_cmds, "bot", self._post_command, "application_id"),
            RestRoute("GET", app_cmds + "/{command_id}", "bot", self._get_command, "application_id"),
            RestRoute("DELETE", app_cmds + "/{command_id}", "bot", self._delete_command, "application_id"),
            RestRoute("GET", guild_cmds, "bot", self._list_commands, "guild_id"),
            RestRoute("PUT", guild_cmds, "bot", self._put_commands, "guild_id"),
            RestRoute("POST", guild_cmds, "bot", self._post_command, "guild_id"),
            RestRoute("GET", guild_cmds + "/{command_id}", "bot", self._get_command, "guild_id"),
            RestRoute("DELETE", guild_cmds + "/{command_id}", "bot", self._delete_command, "guild_id"),
            RestRoute("POST", hook, "webhook", self._post_followup),
            RestRoute("GET", hook + "/messages/{message_id}", "webhook", self._get_message),
            RestRoute("PATCH", hook + "/messages/{message_id}", "webhook", self._edit_message),
            RestRoute("DELETE", hook + "/messages/{message_id}", "webhook", self._delete_message),
            RestRoute(
                "POST",
                "/interactions/{interaction_id}/{token}/callback",
                "callback",
                self._callback,
                "interaction_id",
            ),
            RestRoute("GET", "/guilds/{guild_id}", "bot", self._get_guild, "guild_id"),
            RestRoute("GET", "/guilds/{guild_id}/channels", "bot", self._get_guild_channels, "guild_id"),
            RestRoute("GET", "/guilds/{guild_id}/members/{user_id}", "bot", self._get_member, "guild_id"),
            RestRoute(
                "GET",
                "/guilds/{guild_id}/voice-states/{user_id}",
                "bot",
                self._get_voice_state,
                "guild_id",
            ),
            RestRoute("GET", "/channels/{channel_id}", "bot", self._get_channel, "channel_id"),
        )

    def match(self, method: str, path: str) -> tuple[RestRoute, dict[str, str]]:
        """The route for ``method path``; 404 / 405 as Discord answers them."""
        path_matched = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict()
        raise RestError.method_not_allowed() if path_matched else RestError.not_found()

    async def handle(self, route: RestRoute, request: RestRequest) -> RestResponse:
        return await route.handler(request)

    # -- identity and gateway ----------------------------------------------------------------
    async def _get_me(self, _: RestRequest) -> RestResponse:
        me = user_payload(self._world.bot)
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None, bot=True)
        return _ok(me)

    async def _get_application(self, _: RestRequest) -> RestResponse:
        return _ok(self._application_info())

    async def _get_gateway(self, _: RestRequest) -> RestResponse:
        return _ok({"url": self._gateway_url()})

    async def _get_gateway_bot(self, _: RestRequest) -> RestResponse:
        return _ok(self._gateway_bot())

    # -- application commands ----------------------------------------------------------------
    def _scope(self, request: RestRequest) -> int | None:
        if _snowflake(request.params["application_id"], "application_id") != self._application_id:
            raise RestError.missing_access()
        if "guild_id" not in request.params:
            return None
        guild_id = _snowflake(request.params["guild_id"], "guild_id")
        if guild_id not in self._world.guilds:
            raise RestError.missing_access()
        return guild_id

    async def _list_commands(self, request: RestRequest) -> RestResponse:
        return _ok(self._commands.in_scope(self._scope(request)))

    async def _put_commands(self, request: RestRequest) -> RestResponse:
        return _ok(self._commands.overwrite(self._scope(request), request.json))

    async def _post_command(self, request: RestRequest) -> RestResponse:
        command, created = self._commands.upsert(self._scope(request), request.json)
        return _ok(command, 201 if created else 200)

    async def _get_command(self, request: RestRequest) -> RestResponse:
        scope = self._scope(request)
        return _ok(self._commands.get(scope, _snowflake(request.params["command_id"])))

    async def _delete_command(self, request: RestRequest) -> RestResponse:
        scope = self._scope(request)
        self._commands.delete(scope, _snowflake(request.params["command_id"]))
        return _no_content()

    # -- interaction webhooks ------------------------------------------------------------------
    def _record_for(self, request: RestRequest) -> InteractionRecord:
        app_id = _snowflake(request.params["application_id"], "webhook_id")
        return self._interactions.webhook(app_id, request.params["token"])

    async def _post_followup(self, request: RestRequest) -> RestResponse:
        record = self._record_for(request)
        return _ok(self._interactions.follow_up(record, request.json))

    async def _get_message(self, request: RestRequest) -> RestResponse:
        record = self._record_for(request)
        message = self._interactions.message(record, request.params["message_id"])
        return _ok(public_view(message))

    async def _edit_message(self, request: RestRequest) -> RestResponse:
        record = self._record_for(request)
        return _ok(self._interactions.edit(record, request.params["message_id"], request.json))

    async def _delete_message(self, request: RestRequest) -> RestResponse:
        record = self._record_for(request)
        self._interactions.delete(record, request.params["message_id"])
        return _no_content()

    async def _callback(self, request: RestRequest) -> RestResponse:
        with_response = request.query.get("with_response", "").lower() in ("1", "true")
        body = self._interactions.callback(
            _snowflake(request.params["interaction_id"], "interaction_id"),
            request.params["token"],
            request.json,
            with_response=with_response,
        )
        return _no_content() if body is None else _ok(body)

    # -- guilds, channels, members, voice ------------------------------------------------------
    def _guild(self, request: RestRequest) -> SimGuild:
        guild = self._world.guilds.get(_snowflake(request.params["guild_id"], "guild_id"))
        if guild is None:
            raise RestError.unknown(UNKNOWN_GUILD, "Guild")
        return guild

    def _user_id(self, request: RestRequest) -> int:
        raw = request.params["user_id"]
        return self._world.bot.id if raw == "@me" else _snowflake(raw, "user_id")

    async def _get_guild(self, request: RestRequest) -> RestResponse:
        guild = self._guild(request)
        return _ok(
            {
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "owner_id": str(guild.owner_id),
                "features": [],
                "preferred_locale": guild.preferred_locale,
                "roles": [role_payload(r) for r in guild.roles.values()],
                "emojis": [],
                "stickers": [],
            }
        )

    async def _get_guild_channels(self, request: RestRequest) -> RestResponse:
        return _ok([channel_payload(c) for c in self._guild(request).channels.values()])

    async def _get_member(self, request: RestRequest) -> RestResponse:
        guild = self._guild(request)
        member = guild.members.get(self._user_id(request))
        if member is None:
            raise RestError.unknown(10007, "Member")
        return _ok(member_payload(member))

    async def _get_voice_state(self, request: RestRequest) -> RestResponse:
        guild = self._guild(request)
        state = guild.voice_states.get(self._user_id(request))
        if state is None:
            raise RestError.unknown(UNKNOWN_VOICE_STATE, "Voice State")
        return _ok(voice_state_payload(guild, state))

    async def _get_channel(self, request: RestRequest) -> RestResponse:
        channel = self._world.channel(_snowflake(request.params["channel_id"], "channel_id"))
        if channel is None:
            raise RestError.unknown(UNKNOWN_CHANNEL, "Channel")
        return _ok(channel_payload(channel))
