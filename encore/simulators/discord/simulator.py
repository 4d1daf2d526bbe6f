"""``DiscordSimulator``: Discord's REST API and gateway on a loopback port, plus Discord's side of
HTTP interactions, behind one object that tests and the sandbox drive.

It wires the pieces together: the :class:`~.world.World` (guilds, channels, members, voice
states), the :class:`~.gateway.Gateway`, the REST routes (:mod:`.rest`) behind the HTTP edge
(:mod:`.server`), application commands (:mod:`.commands`), interaction tokens and their messages
(:mod:`.interaction_store`), signing and delivery of interactions (:mod:`.interactions`) and of
webhook events (:mod:`.webhook_events`), users' OAuth2 bearer tokens (:mod:`.oauth2`), App
Subscription entitlements (:mod:`.entitlements`) and injectable :class:`~.faults.Faults`.

Changing the world through the simulator also tells the gateway, as Discord would: adding a
guild dispatches GUILD_CREATE to the shard owning it, moving a member dispatches
VOICE_STATE_UPDATE, and so on.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from encore.lifecycle import Startable
from encore.simulators.recording import RequestLog

from .channel_messages import ChannelMessages
from .commands import CommandStore
from .control import control_routes
from .entitlements import EntitlementStore, SimEntitlement
from .faults import Faults
from .gateway import Gateway, GatewayFrame
from .interaction_store import ACK_DEADLINE, InteractionRecord, InteractionStore
from .interactions import (
    InteractionExchange,
    Signer,
    application_command_payload,
    autocomplete_payload,
    component_payload,
    deliver,
    new_interaction_token,
    ping_payload,
)
from .oauth2 import DEFAULT_EXPIRES_IN, OAuth2Grant, OAuth2Store, UserGuild
from .payloads import iso_time, user_payload, voice_state_payload
from .ratelimit import RateLimiter
from .rest import RestApi
from .server import API_PREFIX, RestEdge, build_app
from .snowflake import SnowflakeGenerator
from .tasks import TaskOwner
from .webhook_events import (
    WebhookEventExchange,
    deliver_webhook_event,
    event_payload,
    ping_event_payload,
)
from .world import (
    CHANNEL_GUILD_TEXT,
    CHANNEL_GUILD_VOICE,
    DEFAULT_EVERYONE_PERMISSIONS,
    SimGuild,
    SimMember,
    SimUser,
    World,
)

__all__ = ["DiscordSimulator"]

Json = dict[str, Any]


class DiscordSimulator(Startable):
    """A protocol-faithful Discord (REST v10 + gateway) on ``host:port``.

    ``port=0`` picks a free port at :meth:`start`. ``clock`` drives token expiry, session
    resume windows and timestamps (not rate-limit windows, which use real time).
    """

    def __init__(
        self,
        application_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        interactions_url: str | None = None,
        *,
        webhook_events_url: str | None = None,
        clock: Callable[[], float] = time.time,
        heartbeat_interval_ms: int = 41_250,
        allowed_privileged_intents: int = 0,
        recommended_shards: int = 1,
        ack_deadline: float = ACK_DEADLINE,
        bot_username: str = "Encore",
        session_start_total: int = 1000,
        max_concurrency: int = 1,
        resume_window: float = 180.0,
        gateway_send_limit: tuple[int, float] = (120, 60.0),
        rate_limiter: RateLimiter | None = None,
        signing_seed: bytes | None = None,
    ) -> None:
        self._clock = clock
        self._ids = SnowflakeGenerator(clock)
        self.application_id: int = application_id if application_id is not None else self._ids.next()
        self.bot_user_id: int = self.application_id
        self.bot_token: str = _make_token(self.bot_user_id)
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self.interactions_url: str | None = interactions_url
        self.webhook_events_url: str | None = webhook_events_url
        self.recommended_shards = recommended_shards
        self._signer = Signer(signing_seed)
        self.faults = Faults()
        self.requests = RequestLog()
        self._tasks = TaskOwner()
        bot = SimUser(id=self.bot_user_id, username=bot_username, global_name=None, bot=True)
        self._owner = SimUser(id=self._ids.next(), username="encore-dev", global_name="Encore Dev")
        self.world = World(self._ids, bot, clock)
        self.commands = CommandStore(self.application_id, self._ids.next)
        self.interactions = InteractionStore(
            application_id=self.application_id,
            clock=clock,
            new_id=self._ids.next,
            author=user_payload(bot),
            lookup_user=self._lookup_user,
            timestamp=lambda: iso_time(self._clock()),
            ack_deadline=ack_deadline,
        )
        self._gateway = Gateway(
            world=self.world,
            token=self.bot_token,
            application_id=self.application_id,
            faults=self.faults,
            clock=clock,
            url=lambda: self.gateway_url,
            tasks=self._tasks,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_privileged_intents=allowed_privileged_intents,
            session_start_total=session_start_total,
            max_concurrency=max_concurrency,
            resume_window=resume_window,
            send_limit=gateway_send_limit,
        )
        self.channel_messages = ChannelMessages(
            self.world,
            new_id=self._ids.next,
            author=user_payload(bot),
            timestamp=lambda: iso_time(self._clock()),
            lookup_user=self._lookup_user,
        )
        self.rate_limiter = rate_limiter or RateLimiter()
        self.oauth2 = OAuth2Store(clock)
        self.entitlements = EntitlementStore(self.application_id, self._ids.next)
        self._rest = RestEdge(
            api=RestApi(
                world=self.world,
                commands=self.commands,
                interactions=self.interactions,
                application_id=self.application_id,
                application_info=self.application_info,
                gateway_url=lambda: self.gateway_url,
                gateway_bot=lambda: self._gateway.gateway_bot(self.recommended_shards),
                entitlements=self.entitlements,
                channel_messages=self.channel_messages,
            ),
            faults=self.faults,
            limiter=self.rate_limiter,
            log=self.requests,
            token=lambda: self.bot_token,
            bearer=self.oauth2.grant,
        )
        self._command_ids: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        app = build_app(rest=self._rest, gateway=self._gateway.handle, control=control_routes(self))
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self._gateway.shutdown()
        await self._tasks.close()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- addresses and identity ----------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` should be set to."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` should be (as a yarl.URL)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def public_key_hex(self) -> str:
        return self._signer.public_key_hex

    def application_info(self) -> Json:
        """``GET /oauth2/applications/@me``."""
        return {
            "id": str(self.application_id),
            "name": self.world.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": self.public_key_hex,
            "flags": 0,
            "owner": user_payload(self._owner),
            "team": None,
            "bot": user_payload(self.world.bot),
            "interactions_endpoint_url": self.interactions_url,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len(self.world.guilds),
            "integration_types_config": {"0": {}},
        }

    # -- recording -------------------------------------------------------------------------------
    @property
    def gateway_log(self) -> list[GatewayFrame]:
        return self._gateway.log

    @property
    def identify_count(self) -> int:
        return self._gateway.identify_count

    @property
    def invalid_request_count(self) -> int:
        """401, 403 and 429 answers so far (Discord bans an IP after 10,000 per 10 minutes)."""
        return self._rest.invalid_requests

    @property
    def session_start_remaining(self) -> int:
        return self._gateway.session_start_remaining

    async def wait_for_gateway_frame(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0
    ) -> GatewayFrame:
        return await self._gateway.wait_for_frame(predicate, timeout)

    async def flush_gateway(self) -> None:
        """Wait until every queued gateway frame has been written to its socket."""
        await self._gateway.flush()

    # -- the world -------------------------------------------------------------------------------
    def add_guild(self, name: str = "Sandbox", guild_id: int | None = None) -> SimGuild:
        guild = self.world.add_guild(name, guild_id)
        self._gateway.guild_created(guild)
        return guild

    def add_voice_channel(self, guild_id: int, name: str = "General", *, user_limit: int = 0) -> int:
        channel = self.world.add_channel(guild_id, name, CHANNEL_GUILD_VOICE, user_limit=user_limit)
        self._gateway.channel_created(channel)
        return channel.id

    def add_text_channel(self, guild_id: int, name: str = "general") -> int:
        channel = self.world.add_channel(guild_id, name, CHANNEL_GUILD_TEXT)
        self._gateway.channel_created(channel)
        return channel.id

    def add_role(self, guild_id: int, name: str, permissions: int = 0) -> int:
        return self.world.add_role(guild_id, name, permissions).id

    def add_member(
        self,
        guild_id: int,
        user_id: int | None = None,
        username: str = "listener",
        roles: list[int] | None = None,
        permissions: int | None = None,
    ) -> SimMember:
        """Add a member. ``permissions=None``: computed from @everyone and ``roles``."""
        member = self.world.add_member(guild_id, user_id, username, roles, permissions)
        self._gateway.member_added(self.world.guild(guild_id), member)
        return member

    async def set_voice_state(
        self,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        *,
        self_mute: bool | None = None,
        self_deaf: bool | None = None,
    ) -> None:
        """Move a member into ``channel_id`` (``None``: out of voice) and dispatch
        VOICE_STATE_UPDATE to the shard owning the guild (GUILD_VOICE_STATES intent)."""
        _, after = self.world.set_voice_state(
            guild_id, user_id, channel_id, self_mute=self_mute, self_deaf=self_deaf
        )
        self._gateway.voice_state_changed(self.world.guild(guild_id), after)
        await self._gateway.flush()

    def voice_state(self, guild_id: int, user_id: int) -> Json | None:
        """What ``GET /guilds/{g}/voice-states/{u}`` returns (None: 404 Unknown Voice State)."""
        state = self.world.voice_state(guild_id, user_id)
        return voice_state_payload(self.world.guild(guild_id), state) if state else None

    async def remove_guild(self, guild_id: int) -> None:
        """The bot leaves (or is removed from) the guild: GUILD_DELETE to the owning shard."""
        self._gateway.guild_deleted(guild_id)
        self.world.remove_guild(guild_id)
        await self._gateway.flush()

    # -- gateway faults ----------------------------------------------------------------------
    async def close_gateway(self, shard_id: int | None = None, code: int = 4000) -> int:
        """Close the shard's connection(s) with ``code`` (4000 resumable; 4004/4014 fatal).
        Returns how many connections were closed."""
        count = self._gateway.close_shard(shard_id, code)
        await self._gateway.flush()
        return count

    async def drop_gateway(self, shard_id: int | None = None) -> int:
        """Cut the TCP connection without a close frame (a network failure)."""
        return self._gateway.abort_shard(shard_id)

    async def send_reconnect(self, shard_id: int | None = None) -> int:
        """Op 7 RECONNECT: the client should close and RESUME."""
        count = self._gateway.send_op(shard_id, 7)
        await self._gateway.flush()
        return count

    async def invalidate_session(self, shard_id: int | None = None, resumable: bool = False) -> int:
        """Op 9 INVALID_SESSION; ``resumable=False`` also forgets the session (re-IDENTIFY)."""
        count = self._gateway.invalidate_sessions(shard_id, resumable=resumable)
        await self._gateway.flush()
        return count

    async def kick_bot_from_voice(self, guild_id: int) -> None:
        """The bot is disconnected from voice: VOICE_STATE_UPDATE with ``channel_id: null``."""
        guild = self.world.guild(guild_id)
        if self.bot_user_id not in guild.voice_states:
            return
        _, after = self.world.set_voice_state(guild_id, self.bot_user_id, None)
        self._gateway.voice_state_changed(guild, after)
        await self._gateway.flush()

    async def move_bot_to(self, guild_id: int, channel_id: int) -> bool:
        """A moderator drags the bot into another voice channel: VOICE_STATE_UPDATE with the new
        channel (same session), then -- the call moved -- VOICE_SERVER_UPDATE with a new token and
        endpoint to the session holding the bot's voice state. False if the bot is not in voice."""
        guild = self.world.guild(guild_id)
        state = guild.voice_states.get(self.bot_user_id)
        if state is None:
            return False
        _, after = self.world.set_voice_state(guild_id, self.bot_user_id, channel_id)
        self._gateway.voice_state_changed(guild, after)
        sent = self._gateway.voice_server_update(guild, state.session_id, new_server=True)
        await self._gateway.flush()
        return sent

    async def move_voice_server(self, guild_id: int) -> bool:
        """Discord moves the guild's call to another voice server: a new VOICE_SERVER_UPDATE
        with another endpoint to the session holding the bot's voice state."""
        guild = self.world.guild(guild_id)
        state = guild.voice_states.get(self.bot_user_id)
        if state is None:
            return False
        sent = self._gateway.voice_server_update(guild, state.session_id, new_server=True)
        await self._gateway.flush()
        return sent

    # -- interactions ----------------------------------------------------------------------------
    def signed_headers(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        """Headers Discord sends with an interaction POST of ``body``."""
        return self._signer.headers(body, timestamp or str(int(self._clock())))

    async def send_interaction(
        self,
        payload: Json,
        *,
        timeout: float = 3.0,
        url: str | None = None,
        tamper_signature: bool = False,
    ) -> InteractionExchange:
        """Sign and POST ``payload`` (``id``, ``token``, ``application_id`` and ``version`` are
        filled in when missing) to the interactions URL; judge the answer."""
        target = url or self.interactions_url
        if target is None:
            raise RuntimeError("no interactions URL: set sim.interactions_url")
        if self._session is None:
            raise RuntimeError("the simulator is not started")
        full = dict(payload)
        full.setdefault("id", str(self._ids.next()))
        full.setdefault("application_id", str(self.application_id))
        full.setdefault("token", new_interaction_token())
        full.setdefault("version", 1)
        return await deliver(
            session=self._session,
            url=target,
            signer=self._signer,
            store=self.interactions,
            payload=full,
            timestamp=str(int(self._clock())),
            timeout=timeout,
            tamper_signature=tamper_signature,
        )

    async def send_ping(self, *, timeout: float = 3.0, tamper_signature: bool = False) -> InteractionExchange:
        """A PING (type 1), as Discord sends when the endpoint URL is saved."""
        payload = ping_payload(
            interaction_id=self._ids.next(),
            application_id=self.application_id,
            token=new_interaction_token(),
        )
        return await self.send_interaction(payload, timeout=timeout, tamper_signature=tamper_signature)

    async def validate_endpoint(self, *, timeout: float = 3.0) -> bool:
        """Discord's endpoint check: a signed PING must get a PONG and a badly signed one a 401."""
        good = await self.send_ping(timeout=timeout)
        bad = await self.send_ping(timeout=timeout, tamper_signature=True)
        return not good.failed and bad.status == 401

    # -- users' OAuth2 tokens, entitlements and webhook events ----------------------------------
    def mint_user_token(
        self,
        guilds: Iterable[UserGuild] = (),
        *,
        user_id: int | None = None,
        username: str = "dashboard-user",
        scopes: Iterable[str] = ("identify", "guilds"),
        expires_in: int = DEFAULT_EXPIRES_IN,
    ) -> OAuth2Grant:
        """A user logged in to a dashboard with Discord: their bearer token, for which
        ``GET /users/@me/guilds`` lists ``guilds`` (names filled in from the world when empty)."""
        user = self.world.users.get(user_id) if user_id is not None else None
        if user is None:
            user = SimUser(
                id=user_id if user_id is not None else self._ids.next(),
                username=username,
                global_name=username.title(),
            )
            self.world.users[user.id] = user
        named = [UserGuild(g.id, g.permissions, g.owner, g.name or self._guild_name(g.id)) for g in guilds]
        return self.oauth2.mint(user.id, named, scopes=scopes, expires_in=expires_in)

    def now(self) -> float:
        """The simulator's clock (token expiry, timestamps)."""
        return self._clock()

    def _guild_name(self, guild_id: int) -> str:
        guild = self.world.guilds.get(guild_id)
        return guild.name if guild is not None else f"Guild {guild_id}"

    def create_test_entitlement(
        self, sku_id: int, *, guild_id: int | None = None, user_id: int | None = None
    ) -> SimEntitlement:
        """What ``POST /applications/{id}/entitlements`` does (no webhook event is sent by itself:
        send one with :meth:`send_entitlement_event`)."""
        return self.entitlements.create(sku_id, guild_id=guild_id, user_id=user_id)

    async def send_webhook_ping(
        self, *, url: str | None = None, tamper_signature: bool = False
    ) -> WebhookEventExchange:
        """The PING (type 0) Discord sends when the webhook-events URL is saved."""
        return await self._send_webhook(ping_event_payload(self.application_id), url, tamper_signature)

    async def send_webhook_event(
        self, event_type: str, data: Json, *, url: str | None = None, tamper_signature: bool = False
    ) -> WebhookEventExchange:
        """A type 1 webhook event (``ENTITLEMENT_CREATE``, ...) carrying ``data``."""
        payload = event_payload(self.application_id, event_type, data, iso_time(self._clock()))
        return await self._send_webhook(payload, url, tamper_signature)

    async def send_entitlement_event(
        self, event_type: str, entitlement: SimEntitlement, *, url: str | None = None
    ) -> WebhookEventExchange:
        """ENTITLEMENT_CREATE / UPDATE / DELETE for ``entitlement`` as it is now."""
        return await self.send_webhook_event(event_type, entitlement.payload(), url=url)

    async def _send_webhook(self, payload: Json, url: str | None, tamper: bool) -> WebhookEventExchange:
        target = url or self.webhook_events_url
        if target is None:
            raise RuntimeError("no webhook-events URL: set sim.webhook_events_url")
        if self._session is None:
            raise RuntimeError("the simulator is not started")
        return await deliver_webhook_event(
            session=self._session,
            url=target,
            signer=self._signer,
            payload=payload,
            timestamp=str(int(self._clock())),
            tamper_signature=tamper,
        )

    def _context(self, guild_id: int | None, channel_id: int, user_id: int) -> Json:
        if guild_id is None:
            user = self.world.users.get(user_id)
            if user is None:
                raise KeyError(f"unknown user {user_id}")
            return {
                "guild": None,
                "channel": None,
                "channel_id": channel_id,
                "user": user,
                "app_permissions": DEFAULT_EVERYONE_PERMISSIONS,
            }
        guild = self.world.guild(guild_id)
        member = guild.members.get(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
        channel = guild.channels.get(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id} in guild {guild_id}")
        bot_member = guild.members[self.bot_user_id]
        return {
            "guild": guild,
            "channel": channel,
            "channel_id": channel_id,
            "user": member.user,
            "app_permissions": guild.member_permissions(bot_member),
        }

    def _command(self, name: str, guild_id: int | None) -> tuple[int, int | None]:
        found = self.commands.find(name, guild_id)
        if found is not None:
            return int(found["id"]), int(found["guild_id"]) if found.get("guild_id") else None
        command_id = self._command_ids.setdefault(name, self._ids.next())
        return command_id, None

    async def send_slash_command(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[Json] | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
        *,
        entitlements: list[Json] | None = None,
    ) -> InteractionExchange:
        """A user runs ``/name`` in ``channel_id``: Discord POSTs the interaction to our front.

        Options without ``type`` get one from their Python value (str 3, int 4, bool 5, float 10).
        """
        command_id, command_guild = self._command(name, guild_id)
        payload = application_command_payload(
            interaction_id=self._ids.next(),
            application_id=self.application_id,
            token=new_interaction_token(),
            command_id=command_id,
            name=name,
            options=options,
            locale=locale,
            entitlements=entitlements,
            command_guild_id=command_guild,
            **self._context(guild_id, channel_id, user_id),
        )
        return await self.send_interaction(payload, timeout=timeout)

    async def send_autocomplete(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[Json],
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> InteractionExchange:
        """Autocomplete (type 4): mark the option being typed with ``"focused": True``."""
        command_id, command_guild = self._command(name, guild_id)
        payload = autocomplete_payload(
            interaction_id=self._ids.next(),
            application_id=self.application_id,
            token=new_interaction_token(),
            command_id=command_id,
            name=name,
            options=options,
            locale=locale,
            command_guild_id=command_guild,
            **self._context(guild_id, channel_id, user_id),
        )
        return await self.send_interaction(payload, timeout=timeout)

    async def send_component(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        custom_id: str,
        *,
        message: Json | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> InteractionExchange:
        """A user clicks a button (or picks from a select, ``component_type=3`` with ``values``)
        on ``message`` (e.g. ``sim.original_message(token)``)."""
        ctx = self._context(guild_id, channel_id, user_id)
        if message is None:
            message = {
                "id": str(self._ids.next()),
                "type": 0,
                "channel_id": str(channel_id),
                "author": user_payload(self.world.bot),
                "content": "",
                "embeds": [],
                "components": [],
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "mention_everyone": False,
                "pinned": False,
                "tts": False,
                "timestamp": iso_time(self._clock()),
                "edited_timestamp": None,
                "flags": 0,
            }
        payload = component_payload(
            interaction_id=self._ids.next(),
            application_id=self.application_id,
            token=new_interaction_token(),
            message=message,
            custom_id=custom_id,
            component_type=component_type,
            values=values,
            locale=locale,
            **ctx,
        )
        return await self.send_interaction(payload, timeout=timeout)

    def interaction(self, token: str) -> InteractionRecord | None:
        return self.interactions.get(token)

    def original_message(self, token: str) -> Json | None:
        record = self.interactions.get(token)
        return dict(record.original) if record and record.original else None

    def followups(self, token: str) -> list[Json]:
        record = self.interactions.get(token)
        return [dict(m) for m in record.followups.values()] if record else []

    async def wait_for_original_edit(self, token: str, timeout: float = 10.0, *, count: int = 1) -> Json:
        """Wait until @original was edited ``count`` times (PATCH, or the first follow-up after
        a deferral); return the message as stored, including ``allowed_mentions``."""
        return await self.interactions.wait_for_original_edit(token, timeout, count)

    def _lookup_user(self, user_id: int) -> Json | None:
        user = self.world.users.get(user_id)
        return user_payload(user) if user else None


def _make_token(user_id: int) -> str:
    head = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)[:6]}.{secrets.token_urlsafe(30)[:38]}"
