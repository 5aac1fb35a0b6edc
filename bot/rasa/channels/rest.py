"""The REST channel (``POST /webhooks/rest/webhook``), Rasa's own protocol with the guard around it.

Rasa's RestInput answers a body that is not JSON, or not UTF-8, with an HTTP 500 and lets any client
name its own ``input_channel``. Here a malformed request gets a 400 with a Danish ``error`` text, the
channel is always ``rest``, and every message goes through :class:`bot.rasa.channels.guard.Guard` (limits,
``/intent`` payloads, the apology when Rasa cannot answer). Streaming (``?stream=true``) is not offered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels.base import OnNewMessage
from bot.rasa.channels.guard import Guard

MAX_SENDER_ID = 128
MAX_BODY_BYTES = 256 * 1024


class WholeMessages(CollectingOutputChannel):
    """Collects the bot's messages for the HTTP answer, each bot message as one message.

    Rasa's collector splits a text at every blank line, but only when it has no buttons, so an answer
    came as one message or as four ("title", "text", "text", "Kilde: …") depending on its buttons. Here
    each bot message stays one message, as in the web-chat, Teams and Telegram.
    """

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Collect ``text`` whole (trimmed)."""
        await self._persist_message(self._message(recipient_id, text=text.strip()))


@dataclass(frozen=True)
class RestMessage:
    """A well-formed request body: the sender, the text (may be empty: the guard answers that) and metadata."""

    sender: str
    text: str
    metadata: dict[str, Any]


def read_body(body: bytes) -> RestMessage | None:
    """The message in a request body, or None if it is not ``{"sender": …, "message": …}`` as JSON in UTF-8.

    The sender must be a non-empty string (or a number) of at most 128 characters; a missing message is
    an empty one; metadata, if given, must be an object.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    sender, text, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_ID:
        return None
    if text is None:
        text = ""
    if not isinstance(text, str) or (metadata is not None and not isinstance(metadata, dict)):
        return None
    return RestMessage(sender.strip(), text, metadata or {})


class RestInput(RasaRestInput):
    """Configured in credentials.yml as ``bot.rasa.channels.rest.RestInput`` (no settings)."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name for the channel; it also makes the URL prefix /webhooks/rest/."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel; it has no settings."""
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The health route and ``POST /webhook``, which answers with the bot's messages as a JSON list."""
        webhook = Blueprint("custom_webhook_RestInput", __name__)
        guard = Guard.from_env()
        guard.attach(webhook)

        def bad_request(request: Request, status: int = 400) -> HTTPResponse:
            text = guard.response_text("utter_bad_request", request.app) or "Bad request"
            return response.json({"error": text}, status=status)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return bad_request(request, 413)
            body = read_body(request.body or b"")
            if body is None:
                return bad_request(request)
            collector = WholeMessages()
            message = UserMessage(body.text, collector, body.sender, input_channel=self.name(),
                                  metadata=body.metadata)
            await guard.handle(message, on_new_message)
            return response.json(collector.messages)

        return webhook
