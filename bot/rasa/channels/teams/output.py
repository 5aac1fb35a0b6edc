"""What the Teams channel sends: activities posted to the Bot Connector's REST API.

The bot's replies go to POST {serviceUrl}/v3/conversations/{conversationId}/activities/{replyToId}
with a bearer token from :class:`ConnectorTokenClient`. Replies are sent with textFormat "plain" so the
knowledge texts show exactly as written. Buttons become a hero card with messageBack actions: the
button title is shown in the chat as the user's message, the payload (e.g. /show_unit{…}) goes to the
bot only. An imBack is used only where the payload is the title itself. Hero cards work in personal
chats, group chats and channels alike (Teams shows suggested actions only in personal chats).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import OutputChannel
from yarl import URL

from bot.rasa.channels.teams.auth import ConnectorAuthError, ConnectorTokenClient, HttpClient

if TYPE_CHECKING:  # input.py builds the references and imports this module
    from bot.rasa.channels.teams.input import ConversationReference

logger = logging.getLogger(__name__)

HERO_CARD = "application/vnd.microsoft.card.hero"
MAX_CARD_BUTTONS = 6  # Teams shows at most six buttons on a hero card


def card_action(button: dict[str, Any]) -> dict[str, Any]:
    """A Rasa button as a Teams card action.

    A URL opens (openUrl); a payload other than the title goes as a messageBack, so the chat shows the
    title while the bot gets the payload; a payload equal to its title is an imBack.
    """
    title = str(button.get("title") or button.get("payload") or "")
    url = button.get("url")
    if button.get("type") == "web_url" or url:
        return {"type": "openUrl", "title": title, "value": str(url or button.get("payload"))}
    payload = str(button.get("payload") or title)
    if payload == title:
        return {"type": "imBack", "title": title, "value": payload}
    return {"type": "messageBack", "title": title, "text": payload, "displayText": title,
            "value": {"payload": payload}}


def button_cards(buttons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Buttons as hero-card attachments, six to a card (the most Teams shows on one)."""
    actions = [card_action(button) for button in buttons]
    return [
        {"contentType": HERO_CARD, "content": {"buttons": actions[start:start + MAX_CARD_BUTTONS]}}
        for start in range(0, len(actions), MAX_CARD_BUTTONS)
    ]


class ConnectorClient:
    """Posts activities to the Bot Connector REST API; failures are logged, never raised.

    A 401/403 gets a new token once (the token was revoked or expired early); a 429 or 5xx gateway
    error is retried once after Retry-After (at most five seconds). A reply that still fails is lost
    and logged, so Rasa's handling of the conversation carries on.
    """

    RETRY_STATUSES = (429, 502, 503, 504)

    def __init__(self, tokens: ConnectorTokenClient, http: HttpClient) -> None:
        """Post with bearer tokens from ``tokens`` through the pooled session of ``http``."""
        self.tokens = tokens
        self._http = http

    @staticmethod
    def activities_url(service_url: str, conversation_id: str, reply_to_id: str | None) -> str:
        """The connector URL for a new activity in the conversation, as a reply when ``reply_to_id`` is set."""
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        return f"{url}/{quote(reply_to_id, safe='')}" if reply_to_id else url

    async def send(self, reference: ConversationReference, activity: dict[str, Any]) -> bool:
        """Post ``activity`` to the conversation of ``reference``; True if the connector accepted it."""
        url = self.activities_url(reference.service_url, reference.conversation_id, reference.reply_to_id)
        renewed = retried = False
        while True:
            try:
                status, body, retry_after = await self._post(url, activity)
            except ConnectorAuthError as error:
                logger.error("Teams: no connector token, reply to %s not sent: %s", reference.conversation_id, error)
                return False
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.error("Teams: sending to %s failed: %r", url, error)
                return False
            if status < 300:
                return True
            if status in (401, 403) and not renewed:
                renewed = True
                self.tokens.invalidate()  # the token was revoked or has expired early: get a new one once
                continue
            if status in self.RETRY_STATUSES and not retried:
                retried = True
                await asyncio.sleep(min(float(retry_after) if retry_after.isdigit() else 1.0, 5.0))
                continue
            logger.error("Teams: the connector answered %s to %s: %s", status, url, body)
            return False

    async def _post(self, url: str, activity: dict[str, Any]) -> tuple[int, str, str]:
        """One POST with the current token: the status, the start of the body and the Retry-After header."""
        token = await self.tokens.token()
        # encoded=True: keep the conversation id percent-encoded as the Bot Framework SDKs send it
        # (Teams channel ids hold ':', '@', ';' and '=').
        async with self._http.session().post(
                URL(url, encoded=True), json=activity, headers={"Authorization": f"Bearer {token}"}) as answer:
            return answer.status, (await answer.text())[:500], answer.headers.get("Retry-After", "")


class TeamsOutput(OutputChannel):
    """Replies to one incoming activity (or, for a welcome, posts to its conversation)."""

    def __init__(self, connector: ConnectorClient, reference: ConversationReference) -> None:
        """Send through ``connector`` to where ``reference`` points."""
        self.connector = connector
        self.reference = reference

    @classmethod
    def name(cls) -> str:
        """Rasa's name for this output channel."""
        return "teams"

    async def _send(self, **fields: Any) -> None:
        await self.connector.send(self.reference, self.reference.message(**fields))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send ``text`` as plain text."""
        await self._send(text=text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send ``text`` with ``buttons`` on hero cards."""
        await self._send(text=text, attachments=button_cards(buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies are buttons here: Teams has suggested actions only in personal chats."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send the image on a hero card."""
        await self._send(attachments=[{"contentType": HERO_CARD, "content": {"images": [{"url": image}]}}])

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        """Send Rasa's generic elements as a carousel of hero cards (title, subtitle, image, buttons)."""
        cards = []
        for element in elements:
            content: dict[str, Any] = {"title": element.get("title", ""), "subtitle": element.get("subtitle", "")}
            if element.get("image_url"):
                content["images"] = [{"url": element["image_url"]}]
            content["buttons"] = [card_action(b) for b in element.get("buttons", [])][:MAX_CARD_BUTTONS]
            cards.append({"contentType": HERO_CARD, "content": content})
        await self._send(attachments=cards, attachmentLayout="carousel")

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Send a custom response as (part of) a Bot Framework activity, e.g. an Adaptive Card."""
        await self._send(**json_message)
