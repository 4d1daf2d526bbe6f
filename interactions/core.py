"""The interactions core: verified bytes in, a Discord callback response out.

:meth:`InteractionsCore.handle` is framework-free (the raw-ASGI hot path, the FastAPI app, the
Lambda handler and the tests all call it with the raw body and the two signature headers). It
refuses what is not provably from Discord (401) or not an interaction (400), answers PING, and hands
each interaction type to its answerer: slash commands (:mod:`interactions.commands`), components
(:mod:`interactions.components`) and autocomplete (:mod:`interactions.autocomplete`). It never
answers 5xx: every input gets a 200 with an answer, or a 4xx with a JSON error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from encore.commands import CATALOGUE, CommandSpec
from encore.guild_settings import DefaultGuildSettings, GuildSettingsReader
from encore.i18n import translate
from encore.queue import CommandQueue
from interactions import responses
from interactions.autocomplete import AutocompleteAnswers
from interactions.commands import CommandAnswers
from interactions.components import ComponentAnswers
from interactions.payload import Interaction, InteractionType
from interactions.services import FrontServices
from interactions.signature import InvalidSignatureError, SignatureVerifier
from interactions.telemetry import FrontTelemetry, NullTelemetry

__all__ = ["FrontResponse", "InteractionsCore"]


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
        services: FrontServices | CommandQueue,
        *,
        catalogue: Mapping[str, CommandSpec] = CATALOGUE,
        guild_settings: GuildSettingsReader | None = None,
        telemetry: FrontTelemetry | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``services`` may be just a queue: everything else then has its in-process default."""
        self._verifier = verifier
        self._services = services if isinstance(services, FrontServices) else FrontServices(queue=services)
        self._telemetry: FrontTelemetry = telemetry or NullTelemetry()
        self._timer = timer
        settings = guild_settings or DefaultGuildSettings()
        self._commands = CommandAnswers(self._services, settings, self._telemetry, catalogue)
        self._components = ComponentAnswers(self._services, settings, self._telemetry, self._commands)
        self._autocomplete = AutocompleteAnswers(self._services, self._commands)

    @property
    def services(self) -> FrontServices:
        return self._services

    @property
    def verifier(self) -> SignatureVerifier:
        """The application's key check (Discord's webhook events are signed with the same key)."""
        return self._verifier

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
            if interaction.type is InteractionType.APPLICATION_COMMAND and interaction.data is not None:
                command = interaction.data.name
            response = FrontResponse(200, await self._answer(interaction))
        self._telemetry.answered(command, (self._timer() - started) * 1000)
        return response

    async def _answer(self, interaction: Interaction) -> dict[str, Any]:
        match interaction.type:
            case InteractionType.PING:
                return responses.pong()
            case InteractionType.APPLICATION_COMMAND:
                return await self._commands.answer(interaction)
            case InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
                return await self._autocomplete.answer(interaction)
            case InteractionType.MESSAGE_COMPONENT:
                return await self._components.answer(interaction)
            case _:
                self._telemetry.rejected("unsupported")
                return responses.ephemeral(translate("front.not_supported", interaction.locale))
