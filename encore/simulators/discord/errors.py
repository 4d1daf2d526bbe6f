"""Discord's JSON error bodies, as one exception the REST handlers raise.

Every REST failure the simulator answers is a :class:`RestError` carrying the HTTP status, the
Discord JSON error code and message, and (for ``50035 Invalid Form Body``) the nested ``errors``
object Discord uses to point at the offending field::

    RestError
    ├── status      HTTP status (400, 401, 403, 404, 405, 429, 5xx)
    ├── code        Discord JSON code (0 for generic HTTP errors, 10015, 50035, ...)
    ├── message     Discord's message text
    └── errors      {"field": {"_errors": [{"code": ..., "message": ...}]}} or None
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "ALREADY_ACKNOWLEDGED",
    "EMPTY_MESSAGE",
    "INVALID_FORM_BODY",
    "INVALID_JSON",
    "INVALID_WEBHOOK_TOKEN",
    "MISSING_ACCESS",
    "UNKNOWN_APPLICATION",
    "UNKNOWN_APPLICATION_COMMAND",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_ENTITLEMENT",
    "UNKNOWN_GUILD",
    "UNKNOWN_INTERACTION",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_VOICE_STATE",
    "UNKNOWN_WEBHOOK",
    "RestError",
    "field_error",
]

UNKNOWN_APPLICATION: Final = 10002
UNKNOWN_CHANNEL: Final = 10003
UNKNOWN_GUILD: Final = 10004
UNKNOWN_MESSAGE: Final = 10008
UNKNOWN_WEBHOOK: Final = 10015
UNKNOWN_ENTITLEMENT: Final = 10029
UNKNOWN_INTERACTION: Final = 10062
UNKNOWN_APPLICATION_COMMAND: Final = 10063
UNKNOWN_VOICE_STATE: Final = 10065
ALREADY_ACKNOWLEDGED: Final = 40060
MISSING_ACCESS: Final = 50001
EMPTY_MESSAGE: Final = 50006
INVALID_WEBHOOK_TOKEN: Final = 50027
INVALID_FORM_BODY: Final = 50035
INVALID_JSON: Final = 50109


def field_error(code: str, message: str) -> dict[str, Any]:
    """One leaf of a 50035 ``errors`` tree: ``{"_errors": [{"code": ..., "message": ...}]}``."""
    return {"_errors": [{"code": code, "message": message}]}


class RestError(Exception):
    """A Discord REST error response."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    # -- the errors the simulator answers, by name -------------------------------------------
    @classmethod
    def unauthorized(cls) -> RestError:
        return cls(401, 0, "401: Unauthorized")

    @classmethod
    def not_found(cls) -> RestError:
        return cls(404, 0, "404: Not Found")

    @classmethod
    def method_not_allowed(cls) -> RestError:
        return cls(405, 0, "405: Method Not Allowed")

    @classmethod
    def invalid_form_body(cls, errors: dict[str, Any]) -> RestError:
        return cls(400, INVALID_FORM_BODY, "Invalid Form Body", errors)

    @classmethod
    def invalid_json(cls) -> RestError:
        return cls(400, INVALID_JSON, "The request body contains invalid JSON.")

    @classmethod
    def empty_message(cls) -> RestError:
        return cls(400, EMPTY_MESSAGE, "Cannot send an empty message")

    @classmethod
    def unknown(cls, code: int, what: str) -> RestError:
        return cls(404, code, f"Unknown {what}")

    @classmethod
    def unknown_webhook(cls) -> RestError:
        return cls(404, UNKNOWN_WEBHOOK, "Unknown Webhook")

    @classmethod
    def invalid_webhook_token(cls) -> RestError:
        return cls(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")

    @classmethod
    def missing_access(cls) -> RestError:
        return cls(403, MISSING_ACCESS, "Missing Access")
