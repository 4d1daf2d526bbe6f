"""Every error Encore raises on purpose, in one tree.

::

    EncoreError
    ├── SettingsError            invalid configuration; names the environment variable
    ├── EnvelopeError            a queue message that is not a valid command envelope
    ├── CommandLineError         a typed "/name option:value" line that does not parse
    ├── OptionError              (encore.commands) an option value the user must fix; also a ValueError
    ├── QueueError               the command queue could not take or give a message
    │   └── QueueUnavailableError    the backend is down or timed out (retryable)
    ├── RedisUnavailableError    (encore.redis_client) Redis did not serve a command
    ├── DatabaseUnavailableError (encore.db.database) the database could not be reached or opened
    └── SnapshotError            (encore.player_snapshot) a player snapshot of an unknown format

Each error carries what its caller needs to answer a user; :mod:`interactions` and
:mod:`audio_fleet` map them to HTTP responses and Discord messages in one place each.
"""

from __future__ import annotations

__all__ = [
    "CommandLineError",
    "EncoreError",
    "EnvelopeError",
    "QueueError",
    "QueueUnavailableError",
    "SettingsError",
]


class EncoreError(Exception):
    """Root of every error Encore raises deliberately."""


class SettingsError(EncoreError):
    """The configuration is invalid. ``variable`` is the environment variable to fix."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class EnvelopeError(EncoreError):
    """A queue message is not a command envelope this version understands."""


class CommandLineError(EncoreError):
    """A "/name option:value" line could not be turned into a command."""


class QueueError(EncoreError):
    """The command queue refused a message or could not deliver one."""


class QueueUnavailableError(QueueError):
    """The queue backend is unreachable or timed out; the operation may be retried."""
