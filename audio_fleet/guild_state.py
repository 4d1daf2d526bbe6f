"""What the fleet remembers about each guild's player beyond wavelink's Player.

Skip votes for the song playing now, whether 24/7 is on, and the now-playing announcement to edit.
It lives in the fleet task's memory: a restarted task starts with no votes, 24/7 off and a fresh
announcement (durable guild settings are the database's job).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["GuildState", "GuildStates"]


@dataclass
class GuildState:
    always_on: bool = False
    #: The song the votes are for (its encoded form) and who voted to skip it.
    vote_track: str | None = None
    skip_votes: set[int] = field(default_factory=set)
    #: The announcement message: (channel id, message id).
    announcement: tuple[int, int] | None = None

    def votes_for(self, encoded: str) -> set[int]:
        """The votes to skip the song ``encoded``; a new song starts with none."""
        if self.vote_track != encoded:
            self.vote_track = encoded
            self.skip_votes = set()
        return self.skip_votes


class GuildStates:
    def __init__(self) -> None:
        self._states: dict[int, GuildState] = {}

    def get(self, guild_id: int) -> GuildState:
        return self._states.setdefault(guild_id, GuildState())

    def peek(self, guild_id: int) -> GuildState | None:
        return self._states.get(guild_id)

    def forget(self, guild_id: int) -> None:
        """The player left: votes and the announcement go (24/7 stays, it is the guild's choice)."""
        state = self._states.get(guild_id)
        if state is not None:
            state.vote_track, state.skip_votes, state.announcement = None, set(), None
