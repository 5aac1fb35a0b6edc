"""The web-chat channel (bot/rasa/channels/webchat.py) in a real Sanic app with a real socket.io client."""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.rasa.channels.webchat import WebChatInput

ANSWER = "Titel (Kalundborg Kommune)\n\nBrødtekst.\n\nKilde: Dokument · Afsnit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(origins: str) -> Iterator[tuple[str, list[UserMessage]]]:
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, ANSWER, [{"title": "Niveau 1", "payload": "/show_unit"}])

    channel = WebChatInput.from_credentials({
        "user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True,
        "allowed_origins": origins,
    })
    Sanic.test_mode = True  # Sanic 21.12 would otherwise rewrite its protocol again for a second app
    app = Sanic(f"webchat_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(on_new_message))
    port = _free_port()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False))
    assert server is not None
    loop.run_until_complete(server.startup())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@pytest.fixture
def open_server() -> Iterator[tuple[str, list[UserMessage]]]:
    yield from serve("")


@pytest.fixture
def intranet_only() -> Iterator[tuple[str, list[UserMessage]]]:
    yield from serve("https://intranet.example.dk")


def ask(url: str, origin: str | None = None) -> list[dict[str, Any]]:
    """One question over a real socket.io client; with `origin`, sent the way a browser on that page would
    (long-polling, where the Origin header is exactly the page's; websocket-client adds its own)."""
    replies: queue.Queue[dict[str, Any]] = queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", replies.put)
    session = uuid.uuid4().hex
    if origin:
        client.connect(url, transports=["polling"], headers={"Origin": origin})
    else:
        client.connect(url, transports=["websocket"])
    try:
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": "hej", "session_id": session})
        return [replies.get(timeout=10)]
    finally:
        client.disconnect()


def test_an_answer_is_one_message_with_its_buttons(open_server: tuple[str, list[UserMessage]]) -> None:
    url, received = open_server
    [reply] = ask(url)
    assert reply["text"] == ANSWER
    assert reply["quick_replies"] == [{"content_type": "text", "title": "Niveau 1", "payload": "/show_unit"}]
    assert received[0].input_channel == "socketio" and received[0].text == "hej"


def test_only_allowed_origins_may_connect(intranet_only: tuple[str, list[UserMessage]]) -> None:
    url, received = intranet_only
    assert ask(url, origin="https://intranet.example.dk")[0]["text"] == ANSWER
    with pytest.raises(socketio.exceptions.ConnectionError):
        ask(url, origin="https://evil.example.com")
    assert len(received) == 1
