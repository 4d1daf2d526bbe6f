"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.signing import DiscordSigner

# Timing belongs to `make bench`, not to assertions: no per-example deadline, so a loaded CI
# machine cannot fail a property test for being slow.
settings.register_profile("encore", deadline=None, print_blob=True)
settings.load_profile("encore")


@pytest.fixture
def signer() -> DiscordSigner:
    return DiscordSigner()
