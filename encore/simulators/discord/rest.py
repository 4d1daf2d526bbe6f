"""Discord REST v10 routes, as plain functions of a :class:`RestRequest`.

No aiohttp here: :mod:`.server` parses the HTTP request, applies faults, authentication and rate
limits, then calls :meth:`RestApi.handle`, which returns a :class:`RestResponse` or raises a
:class:`~.errors.RestError`. Each route declares its kind, which decides authentication and
rate limiting:

* ``bot``: needs ``Authorization: Bot <token>``; global and per-route buckets;
* ``webhook``: interaction webhooks (no auth, the token is in the path); per-token bucket;
* ``callback``: ``POST /interactions/{id}/{token}/callback``; no auth, exempt from global;
* ``open``: ``GET /gateway``.

A ``bot`` route marked ``bearer`` also takes ``Authorization: Bearer <oauth2 token>`` (a user's
token, see :mod:`.oauth2`): ``GET /users/@me`` and ``GET /users/@me/guilds`` then answer for that
user, as Discord does for a dashboard that logged the user in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .channel_messages import ChannelMessages
from .commands import CommandStore
from .entitlements import OWNER_GUILD, OWNER_USER, EntitlementStore
from .errors import (
    UNKNOWN_APPLICATION,
    UNKNOWN_CHANNEL,
    UNKNOWN_ENTITLEMENT,
    UNKNOWN_GUILD,
    UNKNOWN_VOICE_STATE,
    RestError,
    field_error,
)
from .interaction_store import InteractionRecord, InteractionStore
from .messages import public_view
from .oauth2 import OAuth2Grant
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
    grant: OAuth2Grant | None = None  #: the user's grant when authorised with a bearer token


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
    bearer: bool = False  #: also takes a user's ``Authorization: Bearer`` token
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


def _bounded_int(value: str | None, what: str, *, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        message = f"int value should be greater than or equal to {low} and less than or equal to {high}."
        raise RestError.invalid_form_body({what: field_error("NUMBER_TYPE_MAX", message)})
    return number


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
        entitlements: EntitlementStore | None = None,
        channel_messages: ChannelMessages | None = None,
    ) -> None:
        self._world = world
        self._commands = commands
        self._interactions = interactions
        self._application_id = application_id
        self._application_info = application_info
        self._gateway_url = gateway_url
        self._gateway_bot = gateway_bot
        self._entitlements = entitlements or EntitlementStore(application_id, lambda: 0)
        entitlements_path = "/applications/{application_id}/entitlements"
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        hook = "/webhooks/{application_id}/{token}"
        self.routes: tuple[RestRoute, ...] = (
            RestRoute("GET", "/users/@me", "bot", self._get_me, bearer=True),
            RestRoute("GET", "/users/@me/guilds", "bot", self._get_my_guilds, bearer=True),
            RestRoute("GET", entitlements_path, "bot", self._list_entitlements, "application_id"),
            RestRoute("POST", entitlements_path, "bot", self._create_entitlement, "application_id"),
            RestRoute(
                "GET", entitlements_path + "/{entitlement_id}", "bot", self._get_entitlement, "application_id"
            ),
            RestRoute(
                "DELETE",
                entitlements_path + "/{entitlement_id}",
                "bot",
                self._delete_entitlement,
                "application_id",
            ),
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
        if channel_messages is not None:
            messages = "/channels/{channel_id}/messages"
            self.routes += (
                RestRoute("POST", messages, "bot", channel_messages.create, "channel_id"),
                RestRoute("GET", messages + "/{message_id}", "bot", channel_messages.get, "channel_id"),
                RestRoute("PATCH", messages + "/{message_id}", "bot", channel_messages.edit, "channel_id"),
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
    async def _get_me(self, request: RestRequest) -> RestResponse:
        if request.grant is not None:
            user = self._world.users.get(request.grant.user_id)
            if user is None:
                raise RestError.unauthorized()
            body = user_payload(user)
            body.update(mfa_enabled=False, locale="en-US", premium_type=0)
            return _ok(body)
        me = user_payload(self._world.bot)
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None, bot=True)
        return _ok(me)

    async def _get_my_guilds(self, request: RestRequest) -> RestResponse:
        """The user's guilds (bearer, needs the ``guilds`` scope) or the bot's, by id, paged."""
        if request.grant is not None:
            if "guilds" not in request.grant.scopes:
                raise RestError.unauthorized()
            guilds = [g.payload() for g in request.grant.guilds]
        else:
            guilds = [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "icon": None,
                    "banner": None,
                    "owner": False,
                    "permissions": str(g.member_permissions(g.members[self._world.bot.id])),
                    "features": [],
                }
                for g in self._world.guilds.values()
            ]
        guilds.sort(key=lambda g: int(g["id"]))
        limit = _bounded_int(request.query.get("limit"), "limit", default=200, low=1, high=200)
        if "before" in request.query:
            before = _snowflake(request.query["before"], "before")
            guilds = [g for g in guilds if int(g["id"]) < before][-limit:]
        else:
            after = _snowflake(request.query.get("after", "0"), "after")
            guilds = [g for g in guilds if int(g["id"]) > after][:limit]
        return _ok(guilds)

    # -- entitlements (App Subscriptions) ---------------------------------------------------
    def _own_application(self, request: RestRequest) -> None:
        if _snowflake(request.params["application_id"], "application_id") != self._application_id:
            raise RestError.unknown(UNKNOWN_APPLICATION, "Application")

    async def _list_entitlements(self, request: RestRequest) -> RestResponse:
        self._own_application(request)
        guild = request.query.get("guild_id")
        user = request.query.get("user_id")
        return _ok(
            self._entitlements.listing(
                guild_id=_snowflake(guild, "guild_id") if guild else None,
                user_id=_snowflake(user, "user_id") if user else None,
            )
        )

    async def _create_entitlement(self, request: RestRequest) -> RestResponse:
        """A test entitlement: ``{sku_id, owner_id, owner_type}`` (1 guild, 2 user)."""
        self._own_application(request)
        body = request.json if isinstance(request.json, dict) else {}
        errors: Json = {}
        for name in ("sku_id", "owner_id", "owner_type"):
            if name not in body:
                errors[name] = field_error("BASE_TYPE_REQUIRED", "This field is required")
        owner_type = body.get("owner_type")
        if "owner_type" in body and owner_type not in (OWNER_GUILD, OWNER_USER):
            errors["owner_type"] = field_error("BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        if errors:
            raise RestError.invalid_form_body(errors)
        sku_id = _snowflake(str(body["sku_id"]), "sku_id")
        owner_id = _snowflake(str(body["owner_id"]), "owner_id")
        entitlement = self._entitlements.create(
            sku_id,
            guild_id=owner_id if owner_type == OWNER_GUILD else None,
            user_id=owner_id if owner_type == OWNER_USER else None,
        )
        return _ok(entitlement.payload())

    def _entitlement_id(self, request: RestRequest) -> int:
        self._own_application(request)
        return _snowflake(request.params["entitlement_id"], "entitlement_id")

    async def _get_entitlement(self, request: RestRequest) -> RestResponse:
        entitlement = self._entitlements.get(self._entitlement_id(request))
        if entitlement is None:
            raise RestError.unknown(UNKNOWN_ENTITLEMENT, "Entitlement")
        return _ok(entitlement.payload())

    async def _delete_entitlement(self, request: RestRequest) -> RestResponse:
        if self._entitlements.delete(self._entitlement_id(request)) is None:
            raise RestError.unknown(UNKNOWN_ENTITLEMENT, "Entitlement")
        return _no_content()

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
