"""A local stand-in for Microsoft's side of a Teams bot, for tests (stdlib HTTP server in a thread).

It serves what the Teams channel talks to:

- the Bot Framework OpenID metadata (/v1/.well-known/openidconfiguration) and its JWKS (/v1/.well-known/keys),
  with RSA keys generated here (`session_key()` is one key for the whole test process, since the bot
  caches the keys it has fetched);
- the Entra ID token endpoint (/<tenant>/oauth2/v2.0/token), which checks the client credentials and scope;
- the Bot Connector (…/v3/conversations/<id>/activities[/<replyToId>]), which records every activity
  posted together with its Authorization header.

It also signs channel tokens (`channel_token`) and builds the activities Teams would post to the bot.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.channel_env import CHANNEL_ENV, TEAMS_APP_ID, TEAMS_FAKE_PORT, TEAMS_TENANT_ID

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
BOT_ID = f"28:{TEAMS_APP_ID}"
BOT_NAME = "Lederassistent"
CONNECTOR_PATH = re.compile(r"^(?:/[^/]+)*/v3/conversations/([^/]+)/activities(?:/([^/]+))?/?$")


@dataclass
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: list[str] | None = None

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = dict(RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True))
        jwk.update(kid=self.kid, use="sig")
        if self.endorsements is not None:
            jwk["endorsements"] = list(self.endorsements)
        return jwk


def new_key(kid: str | None = None, endorsements: list[str] | None = None) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(kid or f"fake-{uuid.uuid4().hex[:12]}", private, endorsements)


_SESSION_KEY: SigningKey | None = None


def session_key() -> SigningKey:
    """The one signing key of this test process (endorsed for msteams, like Microsoft's keys)."""
    global _SESSION_KEY
    if _SESSION_KEY is None:
        _SESSION_KEY = new_key("fake-botframework-key-1", ["msteams", "webchat"])
    return _SESSION_KEY


@dataclass
class Recorded:
    """One activity the bot posted to the connector."""

    path: str
    conversation_id: str
    reply_to_id: str | None
    body: dict[str, Any]
    authorization: str | None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for attachment in self.body.get("attachments") or []
                for button in (attachment.get("content") or {}).get("buttons") or []]


@dataclass
class FakeBotFramework:
    port: int = TEAMS_FAKE_PORT
    app_id: str = TEAMS_APP_ID
    app_password: str = CHANNEL_ENV["TEAMS_APP_PASSWORD"]
    tenant_id: str = TEAMS_TENANT_ID
    keys: list[SigningKey] = field(default_factory=lambda: [session_key()])
    token_lifetime: int = 3600
    host: str = "127.0.0.1"
    # What happened, for assertions:
    activities: list[Recorded] = field(default_factory=list)
    rejected: list[Recorded] = field(default_factory=list)  # posted without a valid connector token
    token_requests: list[dict[str, str]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)
    metadata_requests: int = 0
    jwks_requests: int = 0
    # Make the connector fail: status codes answered to the next activity posts, in order.
    connector_failures: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> FakeBotFramework:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-botframework", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBotFramework:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/"

    # --- what the bot posted ---

    def replies(self, conversation_id: str) -> list[Recorded]:
        with self._lock:
            return [a for a in self.activities if a.conversation_id == conversation_id]

    def wait_for_replies(self, conversation_id: str, count: int, timeout: float = 90) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.replies(conversation_id)
            if len(replies) >= count:
                return replies
            time.sleep(0.1)
        raise AssertionError(f"{count} replies expected in {conversation_id}, got {self.replies(conversation_id)}")

    # --- what Teams would send ---

    def channel_token(
        self,
        *,
        service_url: str | None = None,
        key: SigningKey | None = None,
        kid: str | None = None,
        audience: str | None = None,
        issuer: str = ISSUER,
        expires_in: int = 3600,
        not_before: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A token as the Bot Connector signs it; every part can be made wrong."""
        key = key or self.keys[0]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience or self.app_id,
            "iat": now - 5,
            "nbf": int(not_before) if not_before is not None else now - 5,
            "exp": now + expires_in,
            "serviceUrl": service_url or self.service_url,
        }
        claims.update(extra or {})
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})

    def forged_token(self) -> str:
        """A forgery: a channel token naming the fake's key id but signed with another private key."""
        return self.channel_token(key=SigningKey(self.keys[0].kid, new_key().private_key))

    def message(
        self,
        text: str,
        *,
        conversation_id: str | None = None,
        user_id: str | None = None,
        conversation_type: str = "personal",
        value: Any = None,
        entities: list[dict[str, Any]] | None = None,
        service_url: str | None = None,
    ) -> dict[str, Any]:
        activity = self._activity("message", conversation_id, user_id, conversation_type, service_url)
        activity["text"] = text
        activity["textFormat"] = "plain"
        if value is not None:
            activity["value"] = value
        if entities is not None:
            activity["entities"] = entities
        return activity

    def conversation_update(
        self,
        members_added: list[str],
        *,
        conversation_id: str | None = None,
        user_id: str | None = None,
        conversation_type: str = "personal",
    ) -> dict[str, Any]:
        activity = self._activity("conversationUpdate", conversation_id, user_id, conversation_type, None)
        activity["membersAdded"] = [{"id": member} for member in members_added]
        return activity

    def _activity(
        self, kind: str, conversation_id: str | None, user_id: str | None, conversation_type: str,
        service_url: str | None,
    ) -> dict[str, Any]:
        return {
            "type": kind,
            "id": f"1{secrets.randbelow(10**12):012d}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "serviceUrl": service_url or self.service_url,
            "channelId": "msteams",
            "from": {"id": user_id or f"29:test-user-{uuid.uuid4().hex[:12]}", "name": "Test Leder",
                     "aadObjectId": str(uuid.uuid4())},
            "conversation": {"id": conversation_id or f"a:test-conversation-{uuid.uuid4().hex[:12]}",
                             "conversationType": conversation_type, "tenantId": self.tenant_id},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "da-DK",
        }


def post_activity(url: str, activity: dict[str, Any], token: str | None, timeout: float = 30) -> int:
    """POST an activity as the Bot Connector would; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(activity).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeBotFramework

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        fake, path = self.server_fake, urlsplit(self.path).path
        if path == "/v1/.well-known/openidconfiguration":
            with fake._lock:
                fake.metadata_requests += 1
            self._reply(200, {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{fake.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            })
        elif path == "/v1/.well-known/keys":
            with fake._lock:
                fake.jwks_requests += 1
                keys = [key.jwk() for key in fake.keys]
            self._reply(200, {"keys": keys})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        fake, path = self.server_fake, urlsplit(self.path).path
        if path.endswith("/oauth2/v2.0/token"):
            self._token(fake, path)
            return
        match = CONNECTOR_PATH.match(path)
        if not match:
            self._reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self._body() or b"{}")
        except ValueError:
            self._reply(400, {"error": {"code": "BadArgument", "message": "not JSON"}})
            return
        authorization = self.headers.get("Authorization")
        recorded = Recorded(path, unquote(match.group(1)), unquote(match.group(2)) if match.group(2) else None,
                            body, authorization)
        with fake._lock:
            valid = authorization in [f"Bearer {token}" for token in fake.issued_tokens]
            failure = fake.connector_failures.pop(0) if valid and fake.connector_failures else None
            if not valid:
                fake.rejected.append(recorded)
            elif failure is None:
                fake.activities.append(recorded)
        if not valid:
            self._reply(401, {"message": "Authorization has been denied for this request."})
        elif failure is not None:
            self._reply(failure, {"error": {"code": "ServiceError", "message": "simulated failure"}})
        else:
            self._reply(200, {"id": f"bot-{uuid.uuid4().hex[:10]}"})

    def _token(self, fake: FakeBotFramework, path: str) -> None:
        form = {key: values[0] for key, values in parse_qs(self._body().decode()).items()}
        with fake._lock:
            fake.token_requests.append(form)
        if path != f"/{fake.tenant_id}/oauth2/v2.0/token":
            self._reply(400, {"error": "invalid_request",
                              "error_description": "AADSTS90002: Tenant not found.\nTrace ID: fake"})
        elif form.get("grant_type") != "client_credentials":
            self._reply(400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"})
        elif form.get("client_id") != fake.app_id or form.get("client_secret") != fake.app_password:
            self._reply(401, {"error": "invalid_client",
                              "error_description": "AADSTS7000215: Invalid client secret provided.\nTrace ID: x"})
        elif form.get("scope") != SCOPE:
            self._reply(400, {"error": "invalid_scope", "error_description": "AADSTS1002012: scope is invalid."})
        else:
            token = f"fake-connector-{secrets.token_urlsafe(24)}"
            with fake._lock:
                fake.issued_tokens.append(token)
            self._reply(200, {"token_type": "Bearer", "expires_in": fake.token_lifetime,
                              "ext_expires_in": fake.token_lifetime, "access_token": token})
