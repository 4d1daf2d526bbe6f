"""Building domain objects for tests, with realistic defaults."""

from __future__ import annotations

from datetime import UTC, datetime

from encore.envelope import CommandEnvelope


def command_envelope(
    interaction_id: int,
    *,
    guild_id: int = 1 << 22,
    query: str = "x",
    command: str = "play",
    received_at: datetime | None = None,
) -> CommandEnvelope:
    """A /play-like envelope whose token is ``token-<interaction_id>``."""
    return CommandEnvelope(
        interaction_id=interaction_id,
        interaction_token=f"token-{interaction_id}",
        application_id=1,
        guild_id=guild_id,
        channel_id=2,
        user_id=3,
        command=command,
        options={"query": query},
        received_at=received_at or datetime.now(UTC),
    )
