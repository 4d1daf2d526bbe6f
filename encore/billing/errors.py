"""Errors the billing service raises on purpose; each carries a message a guild admin can read.

::

    EncoreError
    └── BillingError                 .status: the HTTP status the REST API answers with
        ├── NotFoundError            404  no such guild subscription, playlist, ...
        ├── InvalidTransitionError   409  not allowed in the subscription's state; .allowed lists what is
        ├── LimitExceededError       409  the guild's tier allows no more (playlists, playlist size)
        ├── IdempotencyKeyReusedError 422 the Idempotency-Key was used with a different request
        └── InvalidInputError        422  a value out of range or too long

The contract names (``NotFound``, ``InvalidTransition``, ...) are aliases of these classes.
"""

from __future__ import annotations

from typing import ClassVar

from encore.errors import EncoreError

__all__ = [
    "BillingError",
    "IdempotencyKeyReused",
    "IdempotencyKeyReusedError",
    "InvalidInput",
    "InvalidInputError",
    "InvalidTransition",
    "InvalidTransitionError",
    "LimitExceeded",
    "LimitExceededError",
    "NotFound",
    "NotFoundError",
]


class BillingError(EncoreError):
    """Root of the billing errors. ``message`` is user-readable; ``status`` is the HTTP status."""

    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(BillingError):
    status = 404


class InvalidTransitionError(BillingError):
    """The subscription cannot do that now; ``allowed`` names the actions it can do."""

    status = 409

    def __init__(self, message: str, allowed: list[str]) -> None:
        shown = ", ".join(allowed) if allowed else "nothing"
        super().__init__(f"{message} Allowed now: {shown}.")
        self.allowed = list(allowed)


class LimitExceededError(BillingError):
    """The guild's tier does not allow more (answered 409: the request is valid, the state refuses it)."""

    status = 409


class IdempotencyKeyReusedError(BillingError):
    status = 422


class InvalidInputError(BillingError):
    status = 422


NotFound = NotFoundError
InvalidTransition = InvalidTransitionError
LimitExceeded = LimitExceededError
IdempotencyKeyReused = IdempotencyKeyReusedError
InvalidInput = InvalidInputError
