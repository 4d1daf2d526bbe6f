"""The body limit reads the body before the app, yet the app still learns of a client that hung up:
before sending its body, or later while the app is working."""

from __future__ import annotations

from typing import Any

from starlette.types import Message, Receive, Scope, Send

from interactions.api.middleware import BodyLimit

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/api/v1/guilds", "headers": []}


class Client:
    def __init__(self, *messages: Message) -> None:
        self._messages = list(messages)

    async def receive(self) -> Message:
        return self._messages.pop(0)

    async def send(self, message: Message) -> None:
        raise AssertionError(f"nothing should be answered here, got {message}")


class App:
    """Reads every message until the client is gone."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            self.received.append(dict(message))
            if message["type"] == "http.disconnect":
                return


async def test_a_client_gone_before_its_body_reaches_the_app_as_a_disconnect() -> None:
    app = App()
    client = Client({"type": "http.disconnect"})
    await BodyLimit(app, limit=100, prefixes=("/api/",))(SCOPE, client.receive, client.send)
    assert app.received == [{"type": "http.disconnect"}]


async def test_after_the_body_the_app_hears_the_clients_disconnect() -> None:
    app = App()
    client = Client(
        {"type": "http.request", "body": b'{"a":', "more_body": True},
        {"type": "http.request", "body": b"1}", "more_body": False},
        {"type": "http.disconnect"},
    )
    await BodyLimit(app, limit=100, prefixes=("/api/",))(SCOPE, client.receive, client.send)
    assert app.received == [
        {"type": "http.request", "body": b'{"a":1}', "more_body": False},
        {"type": "http.disconnect"},
    ]
