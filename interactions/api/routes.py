"""The ``/api/v1`` routes: a guild's subscription, usage, ledger, settings and playlists.

Each route authorises the call (:mod:`interactions.api.calls`), hands it to the billing service
and returns the service's view as it is; the service's errors become problem documents in
:mod:`interactions.api.problems`.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at runtime, and
# their Depends() refer to dependencies local to build_router.
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Query, Response

from encore.billing.views import (
    ChangeView,
    GuildSettingsView,
    LedgerPage,
    PlaylistDetailView,
    PlaylistView,
    SubscriptionView,
    UsageView,
)
from interactions.api.access import READ, WRITE, AccessPolicy
from interactions.api.bodies import (
    NO_NUL,
    CancelRequest,
    ChangeRequest,
    PlaylistCreate,
    SettingsPatch,
    TracksAdd,
    TrialRequest,
)
from interactions.api.calls import MAX_SNOWFLAKE, GuildCall, guild_call
from interactions.api.ports import BillingProvider
from interactions.api.problems import PROBLEM_RESPONSES

__all__ = ["API_PREFIX", "build_router"]

API_PREFIX: Final = "/api/v1"

PlaylistId = Annotated[int, Path(gt=0, le=MAX_SNOWFLAKE)]


def build_router(billing: BillingProvider, access: AccessPolicy) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "/guilds/{guild_id}", responses=PROBLEM_RESPONSES)
    reader = guild_call(access, READ, needs_key=False)
    writer = guild_call(access, WRITE, needs_key=True)
    changer = guild_call(access, WRITE, needs_key=False)  # PATCH and DELETE: the key is optional

    # -- subscription ------------------------------------------------------------------------
    @router.get("/subscription", tags=["subscription"])
    async def get_subscription(call: Annotated[GuildCall, Depends(reader)]) -> SubscriptionView:
        """The guild's subscription and the tier in effect now (Discord entitlements included)."""
        return await (await billing()).get_subscription(call.guild_id)

    @router.post("/subscription/trial", tags=["subscription"])
    async def start_trial(
        body: TrialRequest, call: Annotated[GuildCall, Depends(writer)]
    ) -> SubscriptionView:
        """Start the guild's one free trial of ``tier``."""
        service = await billing()
        return await service.start_trial(call.guild_id, body.tier, call.actor, call.idempotency(body))

    @router.post("/subscription/change", tags=["subscription"])
    async def change_plan(body: ChangeRequest, call: Annotated[GuildCall, Depends(writer)]) -> ChangeView:
        """Upgrade (now, prorated to the second) or downgrade (at period end, or now with credit)."""
        service = await billing()
        return await service.change_plan(
            call.guild_id, body.tier, body.when, call.actor, call.idempotency(body)
        )

    @router.post("/subscription/cancel", tags=["subscription"])
    async def cancel(
        call: Annotated[GuildCall, Depends(writer)], body: CancelRequest | None = None
    ) -> SubscriptionView:
        """Cancel at period end (the default) or now, with a credit for the unused time."""
        chosen = body if body is not None else CancelRequest()
        service = await billing()
        return await service.cancel(
            call.guild_id, call.actor, call.idempotency(chosen), at_period_end=chosen.at_period_end
        )

    @router.post("/subscription/reactivate", tags=["subscription"])
    async def reactivate(call: Annotated[GuildCall, Depends(writer)]) -> SubscriptionView:
        """Undo a cancellation before the period ends."""
        service = await billing()
        return await service.reactivate(call.guild_id, call.actor, call.idempotency())

    # -- usage and ledger ----------------------------------------------------------------------
    @router.get("/usage", tags=["usage"])
    async def usage(call: Annotated[GuildCall, Depends(reader)]) -> UsageView:
        """Usage this period against the tier's limits (warnings at 80 % and 100 %)."""
        return await (await billing()).usage(call.guild_id)

    @router.get("/ledger", tags=["ledger"])
    async def ledger(
        call: Annotated[GuildCall, Depends(reader)],
        cursor: Annotated[
            str | None, Query(max_length=200, pattern=NO_NUL, description="The last page's next_cursor.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> LedgerPage:
        """Charges and credits, newest first, a page at a time."""
        return await (await billing()).ledger(call.guild_id, cursor, limit)

    # -- settings ------------------------------------------------------------------------------
    @router.get("/settings", tags=["settings"])
    async def get_settings(call: Annotated[GuildCall, Depends(reader)]) -> GuildSettingsView:
        return await (await billing()).get_settings(call.guild_id)

    @router.patch("/settings", tags=["settings"])
    async def patch_settings(
        body: SettingsPatch, call: Annotated[GuildCall, Depends(changer)]
    ) -> GuildSettingsView:
        """Change only the fields sent; ``null`` clears a nullable one."""
        service = await billing()
        return await service.patch_settings(call.guild_id, body, call.actor, call.idempotency(body))

    # -- playlists -----------------------------------------------------------------------------
    @router.get("/playlists", tags=["playlists"])
    async def list_playlists(call: Annotated[GuildCall, Depends(reader)]) -> list[PlaylistView]:
        return await (await billing()).list_playlists(call.guild_id)

    @router.post("/playlists", status_code=201, tags=["playlists"])
    async def create_playlist(
        body: PlaylistCreate, call: Annotated[GuildCall, Depends(writer)]
    ) -> PlaylistView:
        """Within the tier's number of playlists (409 beyond it)."""
        service = await billing()
        return await service.create_playlist(call.guild_id, body.name, call.actor, call.idempotency(body))

    @router.get("/playlists/{playlist_id}", tags=["playlists"])
    async def get_playlist(
        playlist_id: PlaylistId, call: Annotated[GuildCall, Depends(reader)]
    ) -> PlaylistDetailView:
        return await (await billing()).get_playlist(call.guild_id, playlist_id)

    @router.delete("/playlists/{playlist_id}", status_code=204, tags=["playlists"])
    async def delete_playlist(
        playlist_id: PlaylistId, call: Annotated[GuildCall, Depends(changer)]
    ) -> Response:
        await (await billing()).delete_playlist(call.guild_id, playlist_id, call.actor)
        return Response(status_code=204)

    @router.post("/playlists/{playlist_id}/tracks", tags=["playlists"])
    async def add_tracks(
        playlist_id: PlaylistId, body: TracksAdd, call: Annotated[GuildCall, Depends(writer)]
    ) -> PlaylistDetailView:
        """Append tracks, within the tier's playlist size (409 beyond it)."""
        service = await billing()
        return await service.add_playlist_tracks(
            call.guild_id, playlist_id, body.tracks, call.actor, call.idempotency(body)
        )

    return router
