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
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.rasa.channels.base import OnNewMessage
from bot.rasa.channels.guard import Guard

logger = logging.getLogger(__name__)


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, with each bot message sent whole as one ``bot_uttered`` event."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name for this output channel (the same as Rasa's socket.io channel)."""
        return "socketio"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send ``text`` (trimmed) as one message, not split at blank lines."""
        await self._send_message(recipient_id, {"text": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send ``text`` with the buttons as quick replies in the same event, as the widget shows them."""
        quick_replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text.strip(), "quick_replies": quick_replies})


class WebChatInput(SocketIOInput):
    """Configured in credentials.yml as ``bot.rasa.channels.webchat.WebChatInput`` (same settings as ``socketio``)."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name for the channel (the widget connects to Rasa's socket.io path)."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from Rasa's socket.io settings plus ``allowed_origins`` (comma-separated)."""
        credentials = dict(credentials or {})
        origins = str(credentials.pop("allowed_origins", "") or "")
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)
        channel.allowed_origins = [o.strip().rstrip("/") for o in origins.split(",") if o.strip()]
        return channel

    allowed_origins: list[str] = []

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io blueprint with this module's session and message handlers in place of Rasa's."""
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
            message = self.user_message(sid, data)
            if message is not None:
                await guard.handle(message, on_new_message)

        return webhook

    def user_message(self, sid: str, data: Any) -> UserMessage | None:
        """The user's message from a socket.io ``user_uttered`` event, or None when it cannot be taken.

        With session persistence the conversation is the session id the widget sends (a message without
        one is ignored, it would start a conversation no one sees); otherwise the socket's id. Metadata
        may come as a JSON string.
        """
        if not isinstance(data, dict):
            return None
        if self.session_persistence:
            if not data.get("session_id"):
                logger.warning("socket.io message without a session_id ignored; send session_request first")
                return None
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
        return UserMessage(
            text if isinstance(text, str) else "", WebChatOutput(self.sio, self.bot_message_evt), sender_id,
            input_channel=self.name(), metadata=metadata if isinstance(metadata, dict) else {},
        )
