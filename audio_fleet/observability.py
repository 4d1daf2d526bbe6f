"""What the fleet reports while it handles a command: log correlation, trace context, timings.

Everything done while one command is handled runs inside :func:`handling`, which sets, in
context variables (so concurrent commands of different guilds never mix):

* the **interaction id**, stamped on every log record as ``correlation_id`` by the record factory
  :func:`install_correlation` sets (Powertools Logger puts it in the JSON line; the dev format
  shows it);
* the **X-Ray trace context** of the queue message (its ``AWSTraceHeader`` attribute, which the
  front's SQS adapter sets from the Lambda invocation): :func:`current_trace` returns it and every
  log record carries its root as ``trace_id``, so a command's fleet logs join the front's trace.
  Segments are not sent to X-Ray (that needs the X-Ray SDK, which Encore does not pin);
* the **dequeue time**, for ``DequeueToLavalink``: :func:`lavalink_trace_config` is an aiohttp
  trace hook on the session wavelink uses, and the first request of the command to a Lavalink node
  emits the time since the message was dequeued. Commands that never call Lavalink emit nothing.

:func:`configure_logging` sets up Powertools Logger (JSON, ``service=encore-fleet``) for a deployed
fleet, or stdlib logging with the correlation id in the line for development.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Final

import aiohttp
from yarl import URL

from encore.metrics import MetricsSink

__all__ = [
    "TraceContext",
    "configure_logging",
    "current_interaction",
    "current_trace",
    "handling",
    "install_correlation",
    "lavalink_trace_config",
    "mark_lavalink_call",
]

FLEET_LOG_SERVICE: Final = "encore-fleet"
DEV_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s %(trace_id)s]: %(message)s"
#: The loggers whose records go through the fleet's handler in production.
FLEET_LOGGERS: Final = frozenset({"audio_fleet", "encore", "discord", "wavelink"})


@dataclass(frozen=True, slots=True)
class TraceContext:
    """An X-Ray trace header (``Root=1-…;Parent=…;Sampled=1``), as SQS carries it."""

    root: str
    parent: str | None = None
    sampled: bool | None = None
    header: str = ""

    @classmethod
    def parse(cls, header: str | None) -> TraceContext | None:
        """The trace context in ``header``; None when absent or without a ``Root``."""
        if not header:
            return None
        fields: dict[str, str] = {}
        for part in header.split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key and value:
                fields.setdefault(key.strip(), value.strip())
        root = fields.get("Root")
        if root is None:
            return None
        sampled = fields.get("Sampled")
        return cls(
            root=root,
            parent=fields.get("Parent"),
            sampled=None if sampled not in {"0", "1"} else sampled == "1",
            header=header.strip(),
        )


@dataclass(slots=True)
class _CommandTiming:
    dequeued_at: float
    sink: MetricsSink
    clock: Callable[[], float]
    lavalink_seen: bool = field(default=False)


_interaction: ContextVar[int | None] = ContextVar("encore_interaction", default=None)
_trace: ContextVar[TraceContext | None] = ContextVar("encore_trace", default=None)
_timing: ContextVar[_CommandTiming | None] = ContextVar("encore_command_timing", default=None)


def current_interaction() -> int | None:
    """The interaction id of the command being handled in this context, if any."""
    return _interaction.get()


def current_trace() -> TraceContext | None:
    """The X-Ray trace context restored from the message being handled, if it had one."""
    return _trace.get()


@contextmanager
def handling(
    interaction_id: int,
    trace_header: str | None,
    *,
    sink: MetricsSink,
    dequeued_at: float,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Run the block as the handling of one command (see the module docstring).

    ``dequeued_at`` is on ``clock`` (seconds), the clock :func:`mark_lavalink_call` reads.
    """
    tokens = (
        _interaction.set(interaction_id),
        _trace.set(TraceContext.parse(trace_header)),
        _timing.set(_CommandTiming(dequeued_at, sink, clock)),
    )
    try:
        yield
    finally:
        _timing.reset(tokens[2])
        _trace.reset(tokens[1])
        _interaction.reset(tokens[0])


def mark_lavalink_call() -> None:
    """Record that the command being handled is calling Lavalink (only its first call counts)."""
    timing = _timing.get()
    if timing is None or timing.lavalink_seen:
        return
    timing.lavalink_seen = True
    timing.sink.emit("DequeueToLavalink", (timing.clock() - timing.dequeued_at) * 1000)


def lavalink_trace_config(is_lavalink: Callable[[URL], bool]) -> aiohttp.TraceConfig:
    """An aiohttp trace hook that calls :func:`mark_lavalink_call` on requests to Lavalink.

    aiohttp runs the hook in the task making the request, so it sees the command's context.
    """

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        if is_lavalink(params.url):
            mark_lavalink_call()

    config = aiohttp.TraceConfig()
    config.on_request_start.append(on_request_start)
    return config


def origins(uris: list[str]) -> Callable[[URL], bool]:
    """A predicate: does a URL point at one of ``uris``' hosts (scheme, host and port)?"""
    known = {URL(uri).origin() for uri in uris}

    def matches(url: URL) -> bool:
        return url.is_absolute() and url.origin() in known

    return matches


class _CorrelatedRecords:
    """A log record factory that stamps ``correlation_id`` (interaction id) and ``trace_id``
    (X-Ray root) on every record, from the context the record is made in ("-" outside a command)."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        interaction = _interaction.get()
        trace = _trace.get()
        record.correlation_id = str(interaction) if interaction is not None else "-"
        record.trace_id = trace.root if trace is not None else "-"
        return record


def install_correlation() -> Callable[[], None]:
    """Stamp every log record with the command's correlation ids (see :class:`_CorrelatedRecords`).

    Works with any handler (Powertools JSON, stdlib, pytest's). Returns a function undoing it.
    """
    current = logging.getLogRecordFactory()
    if isinstance(current, _CorrelatedRecords):
        return lambda: None
    logging.setLogRecordFactory(_CorrelatedRecords(current))

    def undo() -> None:
        logging.setLogRecordFactory(current)

    return undo


def configure_logging(level: str, *, json_logs: bool) -> None:
    """Fleet logging: Powertools JSON lines (deployed) or a readable line (development)."""
    install_correlation()
    if json_logs:
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.logging.constants import (
            LOGGER_ATTRIBUTE_POWERTOOLS_HANDLER,
            LOGGER_ATTRIBUTE_PRECONFIGURED,
        )
        from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

        # Powertools marks its stdlib logger as configured and then reuses its first handler; when
        # something (a test harness, a reload) has removed the handlers, start afresh instead of failing.
        stdlib_logger = logging.getLogger(FLEET_LOG_SERVICE)
        if not stdlib_logger.handlers:
            for marker in (LOGGER_ATTRIBUTE_PRECONFIGURED, LOGGER_ATTRIBUTE_POWERTOOLS_HANDLER):
                stdlib_logger.__dict__.pop(marker, None)
        logger = Logger(service=FLEET_LOG_SERVICE, level=level)
        copy_config_to_registered_loggers(source_logger=logger, include=set(FLEET_LOGGERS), log_level=level)
        return
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level)
    root.setLevel(level)
    for handler in root.handlers:
        handler.setFormatter(logging.Formatter(DEV_FORMAT))
