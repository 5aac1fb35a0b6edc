"""Microsoft Teams channel through a single-tenant Azure Bot registration (docs/teams.md).

Teams posts activities to /webhooks/teams/webhook. Each request's JWT is validated (teams_auth) before
anything else happens; an unauthenticated request gets 401 and reaches neither Rasa nor the tracker
store. Accepted activities are answered 202 at once and handled in the background (the connector
expects an answer within 15 seconds); the bot's replies go back through the connector's REST API:
POST {serviceUrl}/v3/conversations/{conversationId}/activities/{replyToId}.

- message: the text, without the bot's <at>…</at> mention, goes to Rasa. A pressed button arrives as a
  messageBack whose value carries the Rasa payload.
- conversationUpdate: when the bot is added (any scope), or a user joins a personal chat, Rasa gets
  "/greet" so the welcome text comes from domain.yml.
- Replies are sent with textFormat "plain" so the knowledge texts show exactly as written. Buttons
  become a hero card with messageBack actions: the button title is shown in the chat as the user's
  message, the payload (e.g. /show_unit{…}) goes to the bot only. An imBack is used only where the
  payload is the title itself. Hero cards work in personal chats, group chats and channels alike
  (Teams shows suggested actions only in personal chats).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from yarl import URL

from bot.rasa.channels.guard import Guard
from bot.rasa.channels.teams.auth import (
    DEFAULT_OPENID_METADATA_URL,
    AuthError,
    BotFrameworkTokenValidator,
    ConnectorAuthError,
    ConnectorTokenClient,
    HttpClient,
    KeysUnavailable,
    OpenIdKeys,
    default_token_url,
)

logger = logging.getLogger(__name__)

HERO_CARD = "application/vnd.microsoft.card.hero"
MAX_CARD_BUTTONS = 6  # Teams shows at most six buttons on a hero card
GREETING = "/greet"
AT_MENTION = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
SEEN_ACTIVITIES = 1000  # remembered activity ids, so a redelivered activity is answered once


# --- Incoming activities ------------------------------------------------------------------------------

def _account(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def message_text(activity: dict[str, Any]) -> str:
    """What the user said: a button's payload, or the text without the bot's @mention."""
    value = activity.get("value")
    if isinstance(value, dict) and isinstance(value.get("payload"), str) and value["payload"].strip():
        return value["payload"].strip()
    text = activity.get("text")
    if not isinstance(text, str):
        return ""
    bot = _account(activity.get("recipient"))
    for entity in activity.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = _account(entity.get("mentioned"))
        if mentioned.get("id") == bot.get("id") and isinstance(entity.get("text"), str):
            text = text.replace(entity["text"], " ")
    bot_name = str(bot.get("name") or "").strip().casefold()

    def mention(match: re.Match[str]) -> str:  # the bot's own mention goes, other people's names stay
        name = match.group(1).strip()
        return " " if bot_name and name.casefold() == bot_name else name

    text = html.unescape(AT_MENTION.sub(mention, text)).replace("\xa0", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def should_greet(activity: dict[str, Any]) -> bool:
    """Welcome when the bot is added anywhere, or a user joins a personal chat with it.

    People joining a team or group chat later are not greeted: that would post the welcome into the
    channel for everyone each time."""
    bot_id = _account(activity.get("recipient")).get("id")
    added = [_account(member).get("id") for member in activity.get("membersAdded") or []]
    if bot_id in added:
        return True
    personal = _account(activity.get("conversation")).get("conversationType", "personal") == "personal"
    return personal and any(member and member != bot_id for member in added)


def sender_id(activity: dict[str, Any]) -> str:
    """Rasa's conversation key: the user in a personal chat; the user within the conversation elsewhere,
    so follow-up questions in a channel thread and in a personal chat do not mix."""
    user_id = str(_account(activity.get("from")).get("id"))
    conversation = _account(activity.get("conversation"))
    if conversation.get("conversationType", "personal") == "personal":
        return user_id
    digest = hashlib.sha256(str(conversation.get("id")).encode()).hexdigest()[:16]
    return f"{user_id}|{digest}"


@dataclass(frozen=True)
class ConversationReference:
    """Where and to whom replies to an incoming activity go."""

    service_url: str
    conversation: dict[str, Any]
    bot: dict[str, Any]
    user: dict[str, Any]
    channel_id: str
    reply_to_id: str | None

    @property
    def conversation_id(self) -> str:
        return str(self.conversation["id"])

    @classmethod
    def from_activity(cls, activity: dict[str, Any], reply: bool) -> ConversationReference | None:
        conversation = _account(activity.get("conversation"))
        bot, user = _account(activity.get("recipient")), _account(activity.get("from"))
        service_url = activity.get("serviceUrl")
        if not (isinstance(service_url, str) and conversation.get("id") and bot.get("id") and user.get("id")):
            return None
        reply_to = activity.get("id") if reply else None
        return cls(
            service_url=service_url,
            conversation={k: v for k, v in conversation.items() if k in ("id", "conversationType", "tenantId",
                                                                          "isGroup")},
            bot={k: v for k, v in bot.items() if k in ("id", "name")},
            user={k: v for k, v in user.items() if k in ("id", "name", "aadObjectId")},
            channel_id=str(activity.get("channelId") or "msteams"),
            reply_to_id=str(reply_to) if reply_to else None,
        )

    def message(self, **fields: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": "message",
            "channelId": self.channel_id,
            "serviceUrl": self.service_url,
            "from": self.bot,
            "recipient": self.user,
            "conversation": self.conversation,
            "textFormat": "plain",
        }
        if self.reply_to_id:
            activity["replyToId"] = self.reply_to_id
        activity.update(fields)
        return activity


# --- Outgoing activities ------------------------------------------------------------------------------

def card_action(button: dict[str, Any]) -> dict[str, Any]:
    """A Rasa button as a Teams card action (see the module docstring)."""
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
    actions = [card_action(button) for button in buttons]
    return [
        {"contentType": HERO_CARD, "content": {"buttons": actions[start:start + MAX_CARD_BUTTONS]}}
        for start in range(0, len(actions), MAX_CARD_BUTTONS)
    ]


class ConnectorClient:
    """Posts activities to the Bot Connector REST API; failures are logged, never raised."""

    RETRY_STATUSES = (429, 502, 503, 504)

    def __init__(self, tokens: ConnectorTokenClient, http: HttpClient) -> None:
        self.tokens = tokens
        self._http = http

    @staticmethod
    def activities_url(service_url: str, conversation_id: str, reply_to_id: str | None) -> str:
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        return f"{url}/{quote(reply_to_id, safe='')}" if reply_to_id else url

    async def send(self, reference: ConversationReference, activity: dict[str, Any]) -> bool:
        url = self.activities_url(reference.service_url, reference.conversation_id, reference.reply_to_id)
        renewed = retried = False
        while True:
            try:
                token = await self.tokens.token()
                # encoded=True: keep the conversation id percent-encoded as the Bot Framework SDKs send it
                # (Teams channel ids hold ':', '@', ';' and '=').
                async with self._http.session().post(
                        URL(url, encoded=True), json=activity, headers={"Authorization": f"Bearer {token}"}) as answer:
                    status, body = answer.status, (await answer.text())[:500]
                    retry_after = answer.headers.get("Retry-After", "")
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


class TeamsOutput(OutputChannel):
    """Replies to one incoming activity."""

    def __init__(self, connector: ConnectorClient, reference: ConversationReference) -> None:
        self.connector = connector
        self.reference = reference

    @classmethod
    def name(cls) -> str:
        return "teams"

    async def _send(self, **fields: Any) -> None:
        await self.connector.send(self.reference, self.reference.message(**fields))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text=text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(text=text, attachments=button_cards(buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(attachments=[{"contentType": HERO_CARD, "content": {"images": [{"url": image}]}}])

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        cards = []
        for element in elements:
            content: dict[str, Any] = {"title": element.get("title", ""), "subtitle": element.get("subtitle", "")}
            if element.get("image_url"):
                content["images"] = [{"url": element["image_url"]}]
            content["buttons"] = [card_action(b) for b in element.get("buttons", [])][:MAX_CARD_BUTTONS]
            cards.append({"contentType": HERO_CARD, "content": content})
        await self._send(attachments=cards, attachmentLayout="carousel")

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is taken as (part of) a Bot Framework activity, e.g. an Adaptive Card."""
        await self._send(**json_message)


# --- The input channel ------------------------------------------------------------------------------

class TeamsInput(InputChannel):
    """Microsoft Teams through a single-tenant Azure Bot (app id, secret and tenant from credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        settings: dict[str, Any] = credentials or {}
        missing = [key for key in ("app_id", "app_password", "tenant_id") if not settings.get(key)]
        if missing:
            raise ValueError(f"Teams channel: {', '.join(missing)} missing in the credentials (docs/teams.md)")
        return cls(
            app_id=str(settings["app_id"]),
            app_password=str(settings["app_password"]),
            tenant_id=str(settings["tenant_id"]),
            openid_metadata_url=str(settings.get("openid_metadata_url") or DEFAULT_OPENID_METADATA_URL),
            token_url=str(settings.get("token_url") or "") or None,
        )

    def __init__(
        self,
        app_id: str,
        app_password: str,
        tenant_id: str,
        openid_metadata_url: str = DEFAULT_OPENID_METADATA_URL,
        token_url: str | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.http = http or HttpClient()
        self.validator = BotFrameworkTokenValidator(app_id, OpenIdKeys(openid_metadata_url, self.http))
        tokens = ConnectorTokenClient(app_id, app_password, token_url or default_token_url(tenant_id), self.http)
        self.connector = ConnectorClient(tokens, self.http)
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.guard = Guard.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        teams_webhook = Blueprint("teams_webhook", __name__)
        self.guard.attach(teams_webhook)

        @teams_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @teams_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle(request.headers.get("Authorization"), request.body, on_new_message)

        @teams_webhook.listener("after_server_stop")
        async def close(app: Any, loop: Any) -> None:
            await self.http.close()

        return teams_webhook

    async def handle(
        self, authorization: str | None, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not authorization:
            logger.warning("Teams: request without Authorization header rejected")
            return response.text("Unauthorized", status=401)
        try:
            activity = json.loads(body or b"")
        except ValueError:
            return response.text("Bad request: not JSON", status=400)
        if not isinstance(activity, dict):
            return response.text("Bad request: not an activity", status=400)
        try:
            await self.validator.validate(authorization, activity.get("serviceUrl"), activity.get("channelId"))
        except AuthError as error:
            logger.warning("Teams: request rejected: %s", error)
            return response.text("Unauthorized", status=401)
        except KeysUnavailable as error:
            logger.error("Teams: cannot check the request's token: %s", error)
            return response.text("Service unavailable", status=503)

        tenant = _account(_account(activity.get("channelData")).get("tenant")).get("id")
        if activity.get("channelId") == "msteams" and tenant and tenant != self.tenant_id:
            logger.warning("Teams: activity from another tenant (%s) rejected", tenant)
            return response.text("Forbidden", status=403)

        kind = activity.get("type")
        if kind == "message":
            text = message_text(activity)
        elif kind == "conversationUpdate" and should_greet(activity):
            text = GREETING
        else:
            return response.json({})  # typing, reactions, installationUpdate, invoke …: nothing to answer
        reference = ConversationReference.from_activity(activity, reply=kind == "message")
        if reference is None:
            return response.text("Bad request: incomplete activity", status=400)
        if not text or self._redelivered(reference, activity):
            return response.json({})

        message = UserMessage(
            text=text,
            output_channel=TeamsOutput(self.connector, reference),
            sender_id=sender_id(activity),
            input_channel=self.name(),
            message_id=str(activity["id"]) if activity.get("id") else None,
        )
        task = asyncio.create_task(self._process(on_new_message, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response.json({}, status=202)

    def _redelivered(self, reference: ConversationReference, activity: dict[str, Any]) -> bool:
        if not activity.get("id"):
            return False
        key = f"{reference.conversation_id}\n{activity['id']}"
        if key in self._seen:
            logger.info("Teams: activity %s delivered again; already handled", activity["id"])
            return True
        self._seen[key] = None
        if len(self._seen) > SEEN_ACTIVITIES:
            self._seen.popitem(last=False)
        return False

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
        try:
            await self.guard.handle(message, on_new_message)
        except Exception:
            logger.exception("Teams: handling a message failed")
