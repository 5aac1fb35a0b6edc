"""Microsoft Teams channel through a single-tenant Azure Bot registration (docs/teams.md).

Teams posts activities to /webhooks/teams/webhook. Each request's JWT is validated (:mod:`.auth`) before
anything else happens; an unauthenticated request gets 401 and reaches neither Rasa nor the tracker
store. Accepted activities are answered 202 at once and handled in the background (the connector
expects an answer within 15 seconds); the bot's replies go back through the connector's REST API
(:mod:`.output`).

- message: the text, without the bot's <at>…</at> mention, goes to Rasa. A pressed button arrives as a
  messageBack whose value carries the Rasa payload.
- conversationUpdate: when the bot is added (any scope), or a user joins a personal chat, Rasa gets
  "/greet" so the welcome text comes from domain.yml.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.constants import DOCS_BASE_URL
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.privacy import pseudonym
from bot.rasa.channels.base import ChannelConfigError, OnNewMessage
from bot.rasa.channels.bounded import BoundedMap
from bot.rasa.channels.guard import Guard
from bot.rasa.channels.teams.auth import (
    DEFAULT_OPENID_METADATA_URL,
    AuthError,
    BotFrameworkTokenValidator,
    ConnectorTokenClient,
    HttpClient,
    KeysUnavailable,
    OpenIdKeys,
    default_token_url,
)
from bot.rasa.channels.teams.output import ConnectorClient, TeamsOutput
from bot.settings import get_settings

logger = logging.getLogger(__name__)

GREETING = "/greet"
AT_MENTION = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
SEEN_ACTIVITIES = 1000  # remembered activity ids, so a redelivered activity is answered once
REQUIRED_CREDENTIALS = ("app_id", "app_password", "tenant_id")


# --- Incoming activities ------------------------------------------------------------------------------

def _account(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def message_text(activity: dict[str, Any]) -> str:
    """What the user said: a button's payload, or the text without the bot's @mention.

    In channels and group chats Teams puts the bot's mention (<at>Lederassistent</at>) into the text;
    it goes, other people's names stay, and HTML entities (&nbsp;, &amp;) become characters.
    """
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
    channel for everyone each time.
    """
    bot_id = _account(activity.get("recipient")).get("id")
    added = [_account(member).get("id") for member in activity.get("membersAdded") or []]
    if bot_id in added:
        return True
    personal = _account(activity.get("conversation")).get("conversationType", "personal") == "personal"
    return personal and any(member and member != bot_id for member in added)


def sender_id(activity: dict[str, Any]) -> str:
    """Rasa's conversation key: the user in a personal chat, elsewhere the user within the conversation.

    So follow-up questions in a channel thread and in a personal chat do not mix.
    """
    user_id = str(_account(activity.get("from")).get("id"))
    conversation = _account(activity.get("conversation"))
    if conversation.get("conversationType", "personal") == "personal":
        return user_id
    digest = hashlib.sha256(str(conversation.get("id")).encode()).hexdigest()[:16]
    return f"{user_id}|{digest}"


def user_text(activity: dict[str, Any]) -> str | None:
    """What goes to Rasa for this activity ("" for nothing), or None for an activity that needs no answer.

    A message gives its text; a conversationUpdate that adds the bot (or a user to a personal chat)
    gives the greeting; typing, reactions, installationUpdate, invoke … give None.
    """
    kind = activity.get("type")
    if kind == "message":
        return message_text(activity)
    if kind == "conversationUpdate" and should_greet(activity):
        return GREETING
    return None


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
        """The conversation's id, as the connector's URLs name it."""
        return str(self.conversation["id"])

    @classmethod
    def from_activity(cls, activity: dict[str, Any], reply: bool) -> ConversationReference | None:
        """The reference for replies to ``activity`` (threaded when ``reply``); None if it lacks an id or URL.

        Only the fields a reply needs are kept, so nothing else of the incoming activity is echoed back.
        """
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
        """A plain-text message activity from the bot to the user, with ``fields`` added."""
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


# --- The input channel ------------------------------------------------------------------------------

class TeamsInput(InputChannel):
    """Microsoft Teams through a single-tenant Azure Bot (app id, secret and tenant from credentials.yml)."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name for the channel; it also makes the URL prefix /webhooks/teams/."""
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials.yml section; a ChannelConfigError names what is missing."""
        if not credentials:  # Rasa's own message (InputChannel.raise_missing_credentials_exception)
            raise ChannelConfigError(
                f"To use the {cls.name()} input channel, you need to pass a credentials file using "
                "'--credentials'. The argument should be a file path pointing to a yml file containing the "
                f"{cls.name()} authentication information. Details in the docs: "
                f"{DOCS_BASE_URL}/messaging-and-voice-channels/"
            )
        missing = [key for key in REQUIRED_CREDENTIALS if not credentials.get(key)]
        if missing:
            raise ChannelConfigError(
                f"Teams channel: {', '.join(missing)} missing in the credentials (docs/teams.md)")
        return cls(
            app_id=str(credentials["app_id"]),
            app_password=str(credentials["app_password"]),
            tenant_id=str(credentials["tenant_id"]),
            openid_metadata_url=str(credentials.get("openid_metadata_url") or DEFAULT_OPENID_METADATA_URL),
            token_url=str(credentials.get("token_url") or "") or None,
        )

    def __init__(
        self,
        app_id: str,
        app_password: str,
        tenant_id: str,
        openid_metadata_url: str = DEFAULT_OPENID_METADATA_URL,
        token_url: str | None = None,
        http: HttpClient | None = None,
        sender_key: bytes | None = None,
    ) -> None:
        """Set up token validation and the connector client; nothing is fetched until the first request.

        Args:
            app_id: the Azure Bot's Microsoft App ID (the audience of incoming tokens).
            app_password: its client secret, for the connector token.
            tenant_id: the app's own tenant; activities from another tenant are refused.
            openid_metadata_url: where the Bot Framework's signing keys are published.
            token_url: the token endpoint (default: the tenant's login.microsoftonline.com endpoint).
            http: a shared HTTP client (tests pass one bound to their loop).
            sender_key: keys the pseudonymous sender ids (default: the settings' SENDER_ID_KEY); the replies
                go by the activity's conversation reference, so Rasa never needs the AAD object id.
        """
        self._sender_key = sender_key or get_settings().sender_key()
        self.app_id = app_id
        self.tenant_id = tenant_id
        self.http = http or HttpClient()
        self.validator = BotFrameworkTokenValidator(app_id, OpenIdKeys(openid_metadata_url, self.http))
        tokens = ConnectorTokenClient(app_id, app_password, token_url or default_token_url(tenant_id), self.http)
        self.connector = ConnectorClient(tokens, self.http)
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: BoundedMap[str, None] = BoundedMap(SEEN_ACTIVITIES)
        self.guard = Guard.from_env()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The routes Rasa mounts under /webhooks/teams/; the HTTP client closes with the server."""
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

    async def handle(self, authorization: str | None, body: bytes, on_new_message: OnNewMessage) -> HTTPResponse:
        """One webhook request: authenticate it, then hand its message to Rasa in the background.

        401 without a valid token, 400 for a body that is no activity, 403 for another tenant, 503 if
        the signing keys cannot be fetched; 202 when a message goes to Rasa, 200 when there is nothing
        to answer (or the activity was delivered before).
        """
        activity = await self._authenticated(authorization, body)
        if isinstance(activity, HTTPResponse):
            return activity
        text = user_text(activity)
        if text is None:
            return response.json({})  # typing, reactions, installationUpdate, invoke …: nothing to answer
        reference = ConversationReference.from_activity(activity, reply=activity.get("type") == "message")
        if reference is None:
            return response.text("Bad request: incomplete activity", status=400)
        if not text or self._redelivered(reference, activity):
            return response.json({})
        message = UserMessage(
            text=text,
            output_channel=TeamsOutput(self.connector, reference),
            sender_id=pseudonym(sender_id(activity), self._sender_key),
            input_channel=self.name(),
            message_id=str(activity["id"]) if activity.get("id") else None,
        )
        task = asyncio.create_task(self._process(on_new_message, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response.json({}, status=202)

    async def _authenticated(self, authorization: str | None, body: bytes) -> dict[str, Any] | HTTPResponse:
        """The request's activity if its token is valid and it comes from our tenant, else the error response."""
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
        return activity

    def _redelivered(self, reference: ConversationReference, activity: dict[str, Any]) -> bool:
        if not activity.get("id"):
            return False
        if not self._seen.first_time(f"{reference.conversation_id}\n{activity['id']}"):
            logger.info("Teams: activity %s delivered again; already handled", activity["id"])
            return True
        return False

    async def _process(self, on_new_message: OnNewMessage, message: UserMessage) -> None:
        try:
            await self.guard.handle(message, on_new_message)
        except Exception:
            logger.exception("Teams: handling a message failed")
