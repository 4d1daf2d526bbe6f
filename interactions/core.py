"""The interactions core: verified bytes in, a Discord callback response out.

:meth:`InteractionsCore.handle` is framework-free (the FastAPI route, the Lambda handler and the tests
all call it with the raw body and the two signature headers). It answers PING with PONG, answers
what it can by itself, and for a command that needs audio writes the envelope to the queue *before*
answering "deferred" -- if the write fails, the user gets an ephemeral error instead of silence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import ValidationError

from encore.commands import CATALOGUE, CommandSpec, validate_options
from encore.envelope import CommandEnvelope, EntitlementRef
from encore.errors import QueueError
from encore.queue import CommandQueue
from interactions import responses
from interactions.payload import Interaction, InteractionType
from interactions.signature import InvalidSignatureError, SignatureVerifier
from interactions.telemetry import FrontTelemetry, NullTelemetry

__all__ = ["FrontResponse", "InteractionsCore"]

log = logging.getLogger(__name__)

MSG_GUILD_ONLY: Final = "Encore's commands work in a server, not in direct messages."
MSG_UNKNOWN_COMMAND: Final = "I don't know that command. Try `/play`."
MSG_NOT_YET: Final = "That action isn't available yet."
MSG_QUEUE_DOWN: Final = (
    "Sorry, I couldn't take that command right now: the music service is busy. "
    "Please try again in a few seconds."
)


@dataclass(frozen=True, slots=True)
class FrontResponse:
    """An HTTP status and JSON body to send back to Discord."""

    status: int
    body: dict[str, Any]


def _problem(status: int, error: str) -> FrontResponse:
    return FrontResponse(status, {"error": error})


def _describe(error: ValidationError) -> str:
    """What is wrong with a body, for the 400 answer."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = first.get("loc", ())
    if first["type"] in {"json_invalid", "json_type"}:
        return "body is not valid JSON"
    if not location:
        return "body must be a JSON object"
    where = ".".join(str(p) for p in location)
    return f"invalid interaction: {where}: {first['msg']}"


class InteractionsCore:
    def __init__(
        self,
        verifier: SignatureVerifier,
        queue: CommandQueue,
        *,
        catalogue: Mapping[str, CommandSpec] = CATALOGUE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        telemetry: FrontTelemetry | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._telemetry: FrontTelemetry = telemetry or NullTelemetry()
        self._timer = timer
        self._verifier = verifier
        self._queue = queue
        self._catalogue = catalogue
        self._clock = clock

    async def handle(self, body: bytes, signature: str | None, timestamp: str | None) -> FrontResponse:
        started = self._timer()
        command: str | None = None
        try:
            self._verifier.verify(body, signature, timestamp)
            interaction = Interaction.model_validate_json(body)
        except InvalidSignatureError as exc:
            self._telemetry.rejected("signature")
            response = _problem(401, exc.reason)
        except ValidationError as exc:
            self._telemetry.rejected("malformed")
            response = _problem(400, _describe(exc))
        else:
            self._telemetry.interaction(interaction.id)
            command = interaction.data.name if interaction.data is not None else None
            response = FrontResponse(200, await self._answer(interaction))
        self._telemetry.answered(command, (self._timer() - started) * 1000)
        return response

    async def _answer(self, interaction: Interaction) -> dict[str, Any]:
        match interaction.type:
            case InteractionType.PING:
                return responses.pong()
            case InteractionType.APPLICATION_COMMAND:
                return await self._command(interaction)
            case InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
                return responses.autocomplete([])
            case _:
                return responses.ephemeral(MSG_NOT_YET)

    async def _command(self, interaction: Interaction) -> dict[str, Any]:
        data = interaction.data
        spec = self._catalogue.get(data.name) if data is not None else None
        if data is None or spec is None:
            self._telemetry.rejected("unknown_command")
            return responses.ephemeral(MSG_UNKNOWN_COMMAND)
        user = interaction.invoking_user
        if interaction.guild_id is None or interaction.channel_id is None or user is None:
            self._telemetry.rejected("guild_only")
            return responses.ephemeral(MSG_GUILD_ONLY)
        try:
            options = validate_options(spec, {o.name: o.value for o in data.options})
        except ValueError as exc:
            self._telemetry.rejected("invalid_options")
            return responses.ephemeral(str(exc))
        member = interaction.member
        envelope = CommandEnvelope(
            interaction_id=interaction.id,
            interaction_token=interaction.token,
            application_id=interaction.application_id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=user.id,
            locale=interaction.locale or "en-US",
            guild_locale=interaction.guild_locale,
            command=spec.name,
            options=options,
            member_permissions=member.permissions if member else 0,
            member_roles=member.roles if member else (),
            entitlements=tuple(
                EntitlementRef.model_validate(e.model_dump()) for e in interaction.entitlements
            ),
            received_at=self._clock(),
        )
        try:
            await self._queue.send(envelope)  # bounded: each adapter enforces its own deadline
        except QueueError:
            self._telemetry.queue_failed()
            log.exception("queue write failed for interaction %s", interaction.id)
            return responses.ephemeral(MSG_QUEUE_DOWN)
        return responses.deferred()
