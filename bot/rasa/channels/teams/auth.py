"""Bot Framework authentication for the Teams channel, in both directions.

Incoming: every request from the Bot Connector carries a JWT. `BotFrameworkTokenValidator` checks it as
"Authenticate requests with the Bot Connector API" prescribes: RS256 signature by a key from the Bot
Framework OpenID metadata (`OpenIdKeys`), the key endorsed for the activity's channel, issuer, audience
(our app id), expiry with a 5-minute clock skew, and the `serviceUrl` claim equal to the activity's
serviceUrl, so a forged activity cannot make the bot send its connector token elsewhere.

Outgoing: `ConnectorTokenClient` gets the bearer token for the connector's REST API with the client
credentials grant from the app's own tenant (single-tenant app registrations), cached until shortly
before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger(__name__)

DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"  # used when the metadata names none
CONNECTOR_SCOPE = "https://api.botframework.com/.default"
TOKEN_URL_TEMPLATE = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"

CLOCK_SKEW_SECONDS = 300  # the Bot Framework's documented tolerance
KEYS_TTL_SECONDS = 24 * 3600  # refetch the OpenID metadata and keys at least daily
UNKNOWN_KID_REFRESH_SECONDS = 60  # at most one refetch a minute for tokens signed by an unknown key
FAILED_FETCH_RETRY_SECONDS = 10  # without any keys: how long a failed fetch is not retried
TOKEN_REFRESH_MARGIN_SECONDS = 300  # renew the connector token this long before it expires
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)

Clock = Callable[[], float]


def default_token_url(tenant_id: str) -> str:
    """The token endpoint of the app's own tenant, where a single-tenant app gets its connector token."""
    return TOKEN_URL_TEMPLATE.format(tenant_id=tenant_id)


class AuthError(Exception):
    """The request is not authenticated: answer 401 and process nothing."""


class KeysUnavailable(Exception):
    """The signing keys could not be fetched, so no token can be checked."""


class ConnectorAuthError(Exception):
    """No token for the connector (wrong app id/secret/tenant, or the token endpoint is unreachable)."""


class HttpClient:
    """One pooled aiohttp session, created on first use inside the running event loop."""

    def __init__(self, timeout: aiohttp.ClientTimeout = HTTP_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        """The shared session; call it inside a coroutine, as it belongs to the running event loop.

        A new one is made when the old one was closed or belongs to another loop (Sanic's, a test's).
        """
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        """Close the session if it belongs to the running loop, and forget it either way.

        A session of a loop that has gone cannot be closed from another; the next :meth:`session` call
        makes a new one.
        """
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None

    async def get_json(self, url: str) -> Any:
        """The decoded JSON at ``url``, whatever its Content-Type.

        Raises aiohttp.ClientError for a failed request or an error status (400 and up), ValueError for
        a body that is not JSON, asyncio.TimeoutError after the client's timeout.
        """
        async with self.session().get(url) as response:
            response.raise_for_status()
            return await response.json(content_type=None)


class _LoopLock:
    """An asyncio.Lock per event loop (the channel object outlives a loop in tests)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock


class OpenIdKeys:
    """The Bot Framework's signing keys (JWKS) and issuer, from its OpenID metadata document.

    Fetched on first use and cached for `ttl` seconds. A token signed by a key that is not in the cache
    causes one immediate refetch (the keys were rotated), but at most one such refetch per
    `unknown_kid_interval`, so tokens with made-up key ids cannot make the bot hammer the endpoint.
    If a refetch fails the cached keys stay in use.
    """

    def __init__(
        self,
        metadata_url: str,
        http: HttpClient,
        *,
        ttl: float = KEYS_TTL_SECONDS,
        unknown_kid_interval: float = UNKNOWN_KID_REFRESH_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.metadata_url = metadata_url
        self._http = http
        self._ttl = ttl
        self._unknown_kid_interval = unknown_kid_interval
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._issuer = BOT_FRAMEWORK_ISSUER
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._unknown_kid_refresh_at: float | None = None
        self._lock = _LoopLock()
        self.fetches = 0  # successful fetches, for tests and diagnostics

    @property
    def issuer(self) -> str:
        """The ``iss`` a token must carry: the metadata's, or BOT_FRAMEWORK_ISSUER until fetched or if none."""
        return self._issuer

    async def load(self) -> int:
        """Fetches the keys unless the cached ones are fresh; returns their number (or raises KeysUnavailable)."""
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at >= self._ttl:
            await self._refresh(requested_at=now)
        return len(self._keys)

    async def key(self, kid: str) -> dict[str, Any]:
        """The JWK with this key id; raises AuthError if there is none, KeysUnavailable if no keys at all."""
        await self.load()
        now = self._clock()
        if kid in self._keys:
            return self._keys[kid]
        if self._unknown_kid_refresh_at is None or now - self._unknown_kid_refresh_at >= self._unknown_kid_interval:
            self._unknown_kid_refresh_at = now
            logger.info("Teams: token signed by unknown key %r; refetching the Bot Framework keys", kid)
            await self._refresh(requested_at=now, force=True)
            if kid in self._keys:
                return self._keys[kid]
        raise AuthError(f"token signed by an unknown key ({kid!r})")

    async def _refresh(self, requested_at: float, force: bool = False) -> None:
        async with self._lock.get():
            if not force and self._fetched_at is not None and self._fetched_at >= requested_at:
                return  # another request refreshed while this one waited
            if not self._keys and self._failed_at is not None and (
                    self._clock() - self._failed_at < FAILED_FETCH_RETRY_SECONDS):
                raise KeysUnavailable(f"fetching {self.metadata_url} failed moments ago")
            try:
                issuer, keys = await self._fetch()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, TypeError) as error:
                self._failed_at = self._clock()
                if not self._keys:
                    raise KeysUnavailable(f"cannot fetch the Bot Framework keys from {self.metadata_url}: "
                                          f"{error!r}") from None
                logger.warning("Teams: cannot refetch the Bot Framework keys from %s (%r); keeping the cached keys",
                               self.metadata_url, error)
                # Retry in five minutes rather than on every request.
                self._fetched_at = self._clock() - self._ttl + 300
                return
            self._issuer, self._keys = issuer, keys
            self._fetched_at, self._failed_at = self._clock(), None
            self.fetches += 1
            logger.debug("Teams: %d Bot Framework signing keys cached", len(keys))

    async def _fetch(self) -> tuple[str, dict[str, dict[str, Any]]]:
        metadata = await self._http.get_json(self.metadata_url)
        jwks_uri = metadata["jwks_uri"]
        issuer = metadata.get("issuer") or BOT_FRAMEWORK_ISSUER
        document = await self._http.get_json(jwks_uri)
        keys = {
            key["kid"]: key
            for key in document["keys"]
            if isinstance(key, dict) and isinstance(key.get("kid"), str) and key.get("kty") == "RSA"
        }
        if not keys:
            raise ValueError(f"no RSA keys in {jwks_uri}")
        return str(issuer), keys


class BotFrameworkTokenValidator:
    """Checks the JWT of a request from the Bot Connector (see the module docstring)."""

    def __init__(self, app_id: str, keys: OpenIdKeys, *, leeway: float = CLOCK_SKEW_SECONDS) -> None:
        self.app_id = app_id
        self.keys = keys
        self.leeway = leeway

    async def validate(self, authorization: str | None, service_url: Any, channel_id: Any) -> dict[str, Any]:
        """The claims of the request's token; raises AuthError (answer 401) or KeysUnavailable (503).

        The steps are those of "Authenticate requests with the Bot Connector API": a bearer RS256 token
        naming its key, the key endorsed for the activity's channel, signature, audience, issuer and
        expiry, and the token's serviceUrl claim equal to the activity's.
        """
        token = _bearer_token(authorization)
        kid = _key_id(token)
        jwk = await self.keys.key(kid)
        endorsements = jwk.get("endorsements")
        if endorsements is not None and (not isinstance(endorsements, list) or channel_id not in endorsements):
            raise AuthError(f"signing key {kid!r} is not endorsed for channel {channel_id!r}")
        claims = self._verified_claims(token, jwk)
        claimed = claims.get("serviceUrl")
        if not isinstance(claimed, str) or not isinstance(service_url, str) or not service_url \
                or claimed.rstrip("/") != service_url.rstrip("/"):
            raise AuthError("the token's serviceUrl claim does not match the activity's serviceUrl")
        return claims

    def _verified_claims(self, token: str, jwk: dict[str, Any]) -> dict[str, Any]:
        """The claims, if the signature by ``jwk``, the audience, the issuer and the expiry hold."""
        try:
            public_key = RSAAlgorithm.from_jwk(jwk)
            if isinstance(public_key, rsa.RSAPrivateKey):
                public_key = public_key.public_key()
            claims: dict[str, Any] = jwt.decode(
                token,
                key=public_key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.keys.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid token: {error}") from None
        return claims


def _bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header; AuthError for any other header or none."""
    if not authorization:
        raise AuthError("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("the Authorization header holds no bearer token")
    return token


def _key_id(token: str) -> str:
    """The id of the key that signed ``token`` (unverified header); AuthError unless it is RS256 with a kid."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise AuthError(f"malformed token: {error}") from None
    if header.get("alg") != "RS256":
        raise AuthError(f"token signed with {header.get('alg')!r}, not RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AuthError("token names no signing key (kid)")
    return kid


class ConnectorTokenClient:
    """Bearer tokens for the Bot Connector REST API: client credentials grant against the app's tenant."""

    def __init__(
        self,
        app_id: str,
        app_password: str,
        token_url: str,
        http: HttpClient,
        *,
        scope: str = CONNECTOR_SCOPE,
        clock: Clock = time.monotonic,
    ) -> None:
        self.app_id = app_id
        self._app_password = app_password
        self.token_url = token_url
        self.scope = scope
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = _LoopLock()

    def invalidate(self) -> None:
        """Forget the cached token, so the next :meth:`token` call fetches a new one.

        For when the connector refuses a token (401/403) before it was due for renewal.
        """
        self._token = None

    async def token(self) -> str:
        """A bearer token for the connector, fetched only when the cached one is missing or due for renewal.

        Renewal is due 5 minutes (at most half the lifetime) before expiry. Concurrent callers wait for
        one fetch. Raises ConnectorAuthError when the token endpoint refuses or cannot be reached.
        """
        if self._token is not None and self._clock() < self._renew_at:
            return self._token
        async with self._lock.get():
            if self._token is not None and self._clock() < self._renew_at:
                return self._token  # fetched by another request while this one waited
            token, lifetime = await self._request()
            margin = min(TOKEN_REFRESH_MARGIN_SECONDS, lifetime / 2)
            self._token, self._renew_at = token, self._clock() + lifetime - margin
            return token

    async def _request(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self._app_password,
            "scope": self.scope,
        }
        try:
            async with self._http.session().post(self.token_url, data=form) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ConnectorAuthError(f"token endpoint {self.token_url} failed: {error!r}") from None
        if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
            detail = ""
            if isinstance(body, dict):
                description = str(body.get("error_description") or "").splitlines()
                detail = f": {body.get('error', '')} {description[0] if description else ''}".rstrip()
            raise ConnectorAuthError(f"token endpoint {self.token_url} answered {status}{detail}")
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        return str(body["access_token"]), lifetime
