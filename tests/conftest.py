"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from tests.signing import DiscordSigner


@pytest.fixture
def signer() -> DiscordSigner:
    return DiscordSigner()
