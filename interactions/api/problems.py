"""Errors as ``application/problem+json`` (RFC 9457), in one place for the whole API.

Every refusal the API answers is a :class:`ApiProblem` or is turned into one here: billing errors
(:mod:`encore.billing.errors`: 404, 409 with ``allowed``, 422), request validation (422, with
``errors`` naming each bad field), unknown routes (404), wrong methods (405) and anything
unexpected (500, logged, with no internals in the answer). The body always has ``type``,
``title``, ``status`` and ``detail``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from encore.billing.errors import BillingError, InvalidTransitionError

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "ApiProblem",
    "Problem",
    "install_problem_handlers",
    "problem_response",
]

log = logging.getLogger(__name__)

PROBLEM_JSON: Final = "application/problem+json"
_TYPE_BASE: Final = "https://encore.dev/problems/"


class FieldProblem(BaseModel):
    """One invalid field of a request (422)."""

    location: str
    message: str


class Problem(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong with this request, for a person to read.")
    allowed: list[str] | None = Field(
        default=None, description="409 invalid transition: the actions the subscription allows now."
    )
    errors: list[FieldProblem] | None = Field(default=None, description="422: each invalid field.")


def _slug(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


class ApiProblem(Exception):  # noqa: N818 - it is an answer, not a failure of ours
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        allowed: list[str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _slug(status)
        self.headers = headers
        self.allowed = allowed

    def problem(self) -> Problem:
        return Problem(
            type=_TYPE_BASE + self.kind,
            title=HTTPStatus(self.status).phrase,
            status=self.status,
            detail=self.detail,
            allowed=self.allowed,
        )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _validation_problem(error: RequestValidationError) -> Problem:
    fields = [
        FieldProblem(
            location=".".join(str(p) for p in item.get("loc", ())),
            message=str(item.get("msg", "invalid")),
        )
        for item in error.errors()
    ]
    first = fields[0] if fields else FieldProblem(location="body", message="invalid")
    return Problem(
        type=_TYPE_BASE + "invalid-request",
        title="Unprocessable Content",
        status=422,
        detail=f"{first.location}: {first.message}",
        errors=fields,
    )


def _billing_problem(error: BillingError) -> ApiProblem:
    kind = {
        404: "not-found",
        409: "invalid-transition" if isinstance(error, InvalidTransitionError) else "limit-exceeded",
        422: "invalid-request",
    }.get(error.status)
    if type(error).__name__.startswith("IdempotencyKeyReused"):
        kind = "idempotency-key-reused"
    allowed = error.allowed if isinstance(error, InvalidTransitionError) else None
    return ApiProblem(error.status, error.message, kind=kind, allowed=allowed)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return problem_response(exc.problem(), exc.headers)

    async def on_billing(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BillingError)
        return problem_response(_billing_problem(exc).problem())

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(_validation_problem(exc))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(ApiProblem(exc.status_code, detail).problem(), headers)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(ApiProblem(500, "Something went wrong on our side; try again.").problem())

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(BillingError, on_billing)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def _described(status: int, description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_JSON: {}}}


#: The error answers every guild route may give, for the OpenAPI document.
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: _described(400, "Missing Idempotency-Key or malformed header."),
    401: _described(401, "No or invalid credentials."),
    403: _described(403, "The caller may not manage this guild, or the key lacks the scope."),
    404: _described(404, "No such guild resource."),
    409: _described(409, "Not allowed in the current state (see `allowed`), or a tier limit."),
    413: _described(413, "The body is larger than the API accepts."),
    422: _described(422, "Invalid body, parameter or reused Idempotency-Key."),
    429: _described(429, "Discord rate-limited the token check; retry later."),
    502: _described(502, "Discord could not be asked about the token."),
}
