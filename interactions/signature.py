"""Ed25519 verification of Discord's requests (``X-Signature-Ed25519`` over timestamp + raw body)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

__all__ = ["MAX_CLOCK_SKEW_S", "InvalidSignatureError", "SignatureVerifier"]

#: Requests whose timestamp is further than this from our clock are refused (replay protection).
MAX_CLOCK_SKEW_S: Final = 300


class InvalidSignatureError(Exception):
    """The request is not provably from Discord; ``reason`` is safe to return to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureVerifier:
    def __init__(
        self,
        public_key_hex: str,
        *,
        clock: Callable[[], float] = time.time,
        max_skew_s: int = MAX_CLOCK_SKEW_S,
    ) -> None:
        self._key = VerifyKey(bytes.fromhex(public_key_hex))
        self._clock = clock
        self._max_skew_s = max_skew_s

    def verify(self, body: bytes, signature: str | None, timestamp: str | None) -> None:
        """Return if the signature is valid and fresh, else raise InvalidSignatureError."""
        if not signature or not timestamp:
            raise InvalidSignatureError("missing signature headers")
        if len(signature) != 128:
            raise InvalidSignatureError("malformed signature")
        try:
            signature_bytes = bytes.fromhex(signature)
        except ValueError:
            raise InvalidSignatureError("malformed signature") from None
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            raise InvalidSignatureError("malformed timestamp")
        if abs(self._clock() - int(timestamp)) > self._max_skew_s:
            raise InvalidSignatureError("stale timestamp")
        try:
            self._key.verify(timestamp.encode() + body, signature_bytes)
        except BadSignatureError:
            raise InvalidSignatureError("invalid signature") from None
