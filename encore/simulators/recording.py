"""What a simulator received: one immutable record per HTTP request or websocket frame."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RecordedRequest", "RequestLog"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One HTTP request (or websocket frame, with ``method="WS"``) a simulator received."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    status: int = 0


class RequestLog:
    """Append-only log with an awaitable "wait until a matching request arrives"."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []
        self._changed = asyncio.Event()

    def append(self, item: RecordedRequest) -> None:
        self._items.append(item)
        self._changed.set()

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def all(self) -> list[RecordedRequest]:
        return list(self._items)

    def matching(self, method: str | None = None, path_contains: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self._items
            if (method is None or r.method == method) and (path_contains is None or path_contains in r.path)
        ]

    def clear(self) -> None:
        self._items.clear()

    async def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0
    ) -> RecordedRequest:
        """Return the first recorded request matching ``predicate``, waiting up to ``timeout`` s."""

        async def _wait() -> RecordedRequest:
            while True:
                for item in self._items:
                    if predicate(item):
                        return item
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)
