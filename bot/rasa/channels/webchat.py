"""The web-chat widget's channel: Rasa's socket.io channel, with each bot message kept whole.

Rasa's own socket.io output splits a text at every blank line into separate messages, so an answer
("title", "text", "Kilde: …") would arrive as three bubbles with the buttons on the last. Here an answer
is one ``bot_uttered`` event with its buttons, the same text the other channels send. The session room
is joined properly on every python-socketio version (Rasa 3.6 does not await ``enter_room``, which
python-socketio 5.10+ made a coroutine, and the replies then never reach the browser). An optional
``allowed_origins`` list makes socket.io accept only the intranet's own pages (also for WebSockets,
which CORS does not cover). Every message goes through :class:`bot.rasa.channels.guard.Guard`.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.rasa.channels.guard import Guard

logger = logging.getLogger(__name__)


class WebChatOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        quick_replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": quick_replies})


class WebChatInput(SocketIOInput):
    """Configured in credentials.yml as ``bot.rasa.channels.webchat.WebChatInput`` (same settings as ``socketio``)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        origins = str(credentials.pop("allowed_origins", "") or "")
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)
        channel.allowed_origins = [o.strip().rstrip("/") for o in origins.split(",") if o.strip()]
        return channel

    allowed_origins: list[str] = []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        guard = Guard.from_env()
        guard.attach(webhook)
        sio = self.sio
        if self.allowed_origins:
            sio.eio.cors_allowed_origins = self.allowed_origins

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = dict(data or {})
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, data["session_id"], namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                if not data.get("session_id"):
                    logger.warning("socket.io message without a session_id ignored; send session_request first")
                    return
                sender_id = str(data["session_id"])
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            text = data.get("message")
            await guard.handle(UserMessage(
                text if isinstance(text, str) else "", WebChatOutput(sio, self.bot_message_evt), sender_id,
                input_channel=self.name(), metadata=metadata if isinstance(metadata, dict) else {},
            ), on_new_message)

        return webhook
