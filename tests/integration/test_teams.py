"""Microsoft Teams channel against a local fake Bot Framework: JWT validation, connector token, replies, webhook.

Each test runs the channel's parts in-process against a fake of its own (tests/fakes/botframework.py)
on a free port, with its own signing key. Reading activities and the app package need no network
(tests/unit/test_teams_*.py); the trained bot behind the channel is tested in tests/e2e/test_teams.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.cli import teams as teams_cli
from bot.core.privacy import pseudonym
from bot.rasa.channels.teams.auth import (
    CLOCK_SKEW_SECONDS,
    AuthError,
    BotFrameworkTokenValidator,
    ConnectorAuthError,
    ConnectorTokenClient,
    HttpClient,
    KeysUnavailable,
    OpenIdKeys,
)
from bot.rasa.channels.teams.input import ConversationReference, TeamsInput, sender_id
from bot.rasa.channels.teams.output import TeamsOutput
from bot.settings import get_settings
from tests.fakes.botframework import BOT_ID, BOT_NAME, FakeBotFramework, new_key
from tests.fakes.channel_env import CHANNEL_ENV, TEAMS_APP_ID, TEAMS_TENANT_ID


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeBotFramework]:
    """A fake Bot Framework of its own (free port, own key) for the in-process tests."""
    with FakeBotFramework(port=0, keys=[new_key("unit-key-1", ["msteams"])]) as fake:
        yield fake


def run(scenario: Callable[[HttpClient], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        http = HttpClient()
        try:
            return await scenario(http)
        finally:
            await http.close()

    return asyncio.run(main())


def validator_for(fake: FakeBotFramework, http: HttpClient, clock: Clock | None = None) -> BotFrameworkTokenValidator:
    keys = OpenIdKeys(fake.metadata_url, http, clock=clock) if clock else OpenIdKeys(fake.metadata_url, http)
    return BotFrameworkTokenValidator(TEAMS_APP_ID, keys)


def validate(fake: FakeBotFramework, authorization: str | None, *, service_url: str | None = None,
             channel_id: str = "msteams") -> dict[str, Any]:
    async def scenario(http: HttpClient) -> dict[str, Any]:
        return await validator_for(fake, http).validate(authorization, service_url or fake.service_url, channel_id)

    return dict(run(scenario))


# --- the JWT validator ----------------------------------------------------------------------------------


def test_a_valid_channel_token_is_accepted(fake: FakeBotFramework) -> None:
    claims = validate(fake, f"Bearer {fake.channel_token()}")
    assert claims["aud"] == TEAMS_APP_ID
    assert claims["serviceUrl"] == fake.service_url
    assert (fake.metadata_requests, fake.jwks_requests) == (1, 1)


def _unsigned(fake: FakeBotFramework) -> str:
    claims = jwt.decode(fake.channel_token(), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"kid": fake.keys[0].kid})  # type: ignore[arg-type]


def _hs256(fake: FakeBotFramework) -> str:  # signed with the app secret instead of Microsoft's key
    claims = jwt.decode(fake.channel_token(), options={"verify_signature": False})
    return jwt.encode(claims, CHANNEL_ENV["TEAMS_APP_PASSWORD"] * 2, algorithm="HS256",
                      headers={"kid": fake.keys[0].kid})


INVALID_TOKENS: dict[str, Callable[[FakeBotFramework], str]] = {
    "forged signature": lambda f: f.forged_token(),
    "expired": lambda f: f.channel_token(expires_in=-(CLOCK_SKEW_SECONDS + 60)),
    "not yet valid": lambda f: f.channel_token(not_before=time.time() + CLOCK_SKEW_SECONDS + 600),
    "wrong audience": lambda f: f.channel_token(audience="00000000-0000-4000-8000-000000000bad"),
    "wrong issuer": lambda f: f.channel_token(issuer=f"https://sts.windows.net/{TEAMS_TENANT_ID}/"),
    "serviceUrl claim of another service": lambda f: f.channel_token(service_url="https://evil.example/"),
    "no serviceUrl claim": lambda f: f.channel_token(extra={"serviceUrl": None}),
    "no expiry": lambda f: f.channel_token(extra={"exp": None}),
    "unknown key id": lambda f: f.channel_token(kid="no-such-key"),
    "alg none": _unsigned,
    "HS256": _hs256,
    "garbage": lambda f: "not.a.jwt",
}


@pytest.mark.parametrize("case", list(INVALID_TOKENS))
def test_invalid_tokens_are_rejected(fake: FakeBotFramework, case: str) -> None:
    with pytest.raises(AuthError):
        validate(fake, f"Bearer {INVALID_TOKENS[case](fake)}")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_non_bearer_header_is_rejected(fake: FakeBotFramework, header: str | None) -> None:
    with pytest.raises(AuthError):
        validate(fake, header)


def test_the_activity_service_url_must_match_the_claim(fake: FakeBotFramework) -> None:
    with pytest.raises(AuthError, match="serviceUrl"):
        validate(fake, f"Bearer {fake.channel_token()}", service_url="https://evil.example/")
    # A trailing slash more or less is the same service.
    validate(fake, f"Bearer {fake.channel_token()}", service_url=fake.service_url.rstrip("/"))


def test_the_key_must_be_endorsed_for_the_activity_channel(fake: FakeBotFramework) -> None:
    with pytest.raises(AuthError, match="endorsed"):
        validate(fake, f"Bearer {fake.channel_token()}", channel_id="skype")


def test_small_clock_skew_is_tolerated(fake: FakeBotFramework) -> None:
    validate(fake, f"Bearer {fake.channel_token(expires_in=-60)}")


def test_keys_are_cached_refetched_for_a_new_key_id_and_after_a_day(fake: FakeBotFramework) -> None:
    clock = Clock()

    async def scenario(http: HttpClient) -> None:
        validator = validator_for(fake, http, clock)
        for _ in range(3):
            await validator.validate(f"Bearer {fake.channel_token()}", fake.service_url, "msteams")
        assert fake.jwks_requests == 1

        rotated = new_key("unit-key-2", ["msteams"])  # Microsoft rotates its keys
        fake.keys.append(rotated)
        await validator.validate(f"Bearer {fake.channel_token(key=rotated)}", fake.service_url, "msteams")
        assert fake.jwks_requests == 2

        async def made_up_key_ids(count: int) -> None:
            for _ in range(count):
                with pytest.raises(AuthError, match="unknown key"):
                    await validator.validate(f"Bearer {fake.channel_token(kid='made-up')}", fake.service_url,
                                             "msteams")

        await made_up_key_ids(5)  # they do not make the bot hammer the endpoint: one refetch a minute at most
        assert fake.jwks_requests == 2
        clock.now += 61
        await made_up_key_ids(5)
        assert fake.jwks_requests == 3

        clock.now += 24 * 3600  # the cache expires after a day
        await validator.validate(f"Bearer {fake.channel_token()}", fake.service_url, "msteams")
        assert fake.jwks_requests == 4

    run(scenario)


def test_unreachable_metadata_keeps_cached_keys_or_fails_closed(fake: FakeBotFramework) -> None:
    clock = Clock()

    async def scenario(http: HttpClient) -> None:
        nowhere = OpenIdKeys("http://127.0.0.1:9/v1/.well-known/openidconfiguration", http)
        with pytest.raises(KeysUnavailable):
            await BotFrameworkTokenValidator(TEAMS_APP_ID, nowhere).validate(
                f"Bearer {fake.channel_token()}", fake.service_url, "msteams")

        validator = validator_for(fake, http, clock)
        token = fake.channel_token()
        await validator.validate(f"Bearer {token}", fake.service_url, "msteams")
        fake.stop()
        clock.now += 25 * 3600
        await validator.validate(f"Bearer {token}", fake.service_url, "msteams")  # cached keys still used

    run(scenario)


# --- the connector token ----------------------------------------------------------------------------------


def test_connector_token_is_cached_until_shortly_before_it_expires(fake: FakeBotFramework) -> None:
    clock = Clock()

    async def scenario(http: HttpClient) -> None:
        tokens = ConnectorTokenClient(TEAMS_APP_ID, fake.app_password, fake.token_url, http, clock=clock)
        first = await tokens.token()
        assert await tokens.token() == first
        clock.now += fake.token_lifetime - 301
        assert await tokens.token() == first
        clock.now += 2  # within five minutes of expiry
        assert await tokens.token() != first

    run(scenario)
    assert len(fake.token_requests) == 2
    assert fake.token_requests[0] == {
        "grant_type": "client_credentials",
        "client_id": TEAMS_APP_ID,
        "client_secret": fake.app_password,
        "scope": "https://api.botframework.com/.default",
    }


def test_wrong_secret_gives_a_clear_error_without_the_secret(fake: FakeBotFramework) -> None:
    async def scenario(http: HttpClient) -> None:
        tokens = ConnectorTokenClient(TEAMS_APP_ID, "wrong-secret", fake.token_url, http)
        with pytest.raises(ConnectorAuthError) as error:
            await tokens.token()
        assert "AADSTS7000215" in str(error.value)
        assert "wrong-secret" not in str(error.value)

    run(scenario)


# --- replies through the connector ---------------------------------------------------------------------


def reference(fake: FakeBotFramework, conversation_id: str = "19:abc@thread.tacv2;messageid=1700000000001",
              reply_to: str | None = "1700000000001", service_url: str | None = None) -> ConversationReference:
    activity = fake.message("x", conversation_id=conversation_id, conversation_type="channel",
                            service_url=service_url)
    activity["id"] = reply_to
    ref = ConversationReference.from_activity(activity, reply=reply_to is not None)
    assert ref is not None
    return ref


def channel_for(fake: FakeBotFramework, http: HttpClient) -> TeamsInput:
    return TeamsInput(TEAMS_APP_ID, fake.app_password, TEAMS_TENANT_ID, fake.metadata_url, fake.token_url, http)


def output(fake: FakeBotFramework, http: HttpClient, **kwargs: Any) -> TeamsOutput:
    return TeamsOutput(channel_for(fake, http).connector, reference(fake, **kwargs))


def test_replies_are_plain_text_with_message_back_buttons(fake: FakeBotFramework) -> None:
    buttons = [
        {"title": "Niveau 1", "payload": '/show_unit{"unit_id": "kalundborg.drift.oekonomistyring.niveau-1"}'},
        {"title": "Ledernetværk", "payload": "Ledernetværk"},
    ]

    async def scenario(http: HttpClient) -> None:
        # A service URL with a path, as Teams' regional ones have (https://smba.trafficmanager.net/emea/).
        out = output(fake, http, service_url=f"{fake.base_url}/emea/")
        await out.send_response("user", {"text": "<b>fed</b> *ikke kursiv*", "buttons": buttons})
        await out.send_response("user", {"text": "Hjalp svaret?"})

    run(scenario)
    first, second = fake.replies("19:abc@thread.tacv2;messageid=1700000000001")
    assert first.path == ("/emea/v3/conversations/19%3Aabc%40thread.tacv2%3Bmessageid%3D1700000000001"
                          "/activities/1700000000001")
    assert first.reply_to_id == first.body["replyToId"] == "1700000000001"
    assert first.authorization == f"Bearer {fake.issued_tokens[0]}"
    assert first.body["textFormat"] == "plain"  # Teams shows <b> and * as written
    assert first.text == "<b>fed</b> *ikke kursiv*"
    assert first.body["from"] == {"id": BOT_ID, "name": BOT_NAME}
    assert first.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.hero"
    assert first.buttons == [
        {"type": "messageBack", "title": "Niveau 1", "displayText": "Niveau 1", "text": buttons[0]["payload"],
         "value": {"payload": buttons[0]["payload"]}},
        {"type": "imBack", "title": "Ledernetværk", "value": "Ledernetværk"},
    ]
    assert second.text == "Hjalp svaret?" and "attachments" not in second.body
    assert len(fake.token_requests) == 1  # one token for both replies


def test_a_greeting_is_posted_to_the_conversation_not_as_a_reply(fake: FakeBotFramework) -> None:
    run(lambda http: output(fake, http, conversation_id="a:personal", reply_to=None).send_text_message("u", "Hej"))
    (reply,) = fake.replies("a:personal")
    assert reply.path == "/v3/conversations/a%3Apersonal/activities"
    assert reply.reply_to_id is None and "replyToId" not in reply.body


def test_connector_failures_are_logged_not_raised(fake: FakeBotFramework, caplog: pytest.LogCaptureFixture) -> None:
    fake.connector_failures = [400]

    async def scenario(http: HttpClient) -> None:
        await output(fake, http).send_text_message("u", "tabt")
        await output(fake, http).send_text_message("u", "kommer frem")
        unreachable = output(fake, http, service_url="http://127.0.0.1:9/")
        await unreachable.send_text_message("u", "ingen forbindelse")

    run(scenario)
    assert [r.text for r in fake.activities] == ["kommer frem"]
    assert "the connector answered 400" in caplog.text
    assert "sending to http://127.0.0.1:9/v3/conversations/" in caplog.text


def test_a_rejected_token_is_renewed_and_a_busy_connector_retried_once(fake: FakeBotFramework) -> None:
    fake.connector_failures = [401, 503]
    run(lambda http: output(fake, http).send_text_message("u", "igen"))
    assert [r.text for r in fake.activities] == ["igen"]
    assert len(fake.token_requests) == 2


def test_no_token_means_no_reply_and_a_logged_error(fake: FakeBotFramework, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(http: HttpClient) -> None:
        out = output(fake, http)
        fake.app_password = "rotated-secret"  # the secret was renewed in Azure but not in .env
        await out.send_text_message("u", "x")

    run(scenario)
    assert fake.activities == [] and fake.rejected == []
    assert "no connector token" in caplog.text


# --- the webhook ---------------------------------------------------------------------------------------


def webhook_calls(fake: FakeBotFramework, requests: list[tuple[str | None, Any]]) -> tuple[list[int], list[Any]]:
    """Feeds requests (Authorization header, activity or raw bytes) to the channel's webhook handler."""
    received: list[Any] = []

    async def on_new_message(message: Any) -> None:
        received.append(message)

    async def scenario(http: HttpClient) -> list[int]:
        channel = channel_for(fake, http)
        statuses = []
        for authorization, activity in requests:
            body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
            statuses.append((await channel.handle(authorization, body, on_new_message)).status)
        await asyncio.gather(*channel._tasks)
        return statuses

    return run(scenario), received


def test_webhook_passes_messages_and_welcomes_to_rasa(fake: FakeBotFramework) -> None:
    message = fake.message("<at>Lederassistent</at> hej", conversation_type="groupChat", entities=[
        {"type": "mention", "text": "<at>Lederassistent</at>", "mentioned": {"id": BOT_ID}}])
    update = fake.conversation_update([BOT_ID])
    typing = dict(fake.message(""), type="typing")
    token = f"Bearer {fake.channel_token()}"
    statuses, received = webhook_calls(fake, [(token, message), (token, message), (token, update), (token, typing)])
    assert statuses == [202, 200, 202, 200]  # the redelivered message is answered once
    assert [m.text for m in received] == ["hej", "/greet"]
    assert received[0].input_channel == "teams"
    assert received[0].sender_id == pseudonym(sender_id(message), get_settings().sender_key())  # no AAD id stored
    assert received[0].output_channel.reference.reply_to_id == message["id"]
    assert received[1].output_channel.reference.reply_to_id is None


def test_webhook_rejects_before_anything_is_processed(fake: FakeBotFramework) -> None:
    activity = fake.message("hej")
    foreign = fake.message("hej")
    foreign["channelData"] = {"tenant": {"id": "00000000-0000-4000-8000-0000000000ff"}}
    statuses, received = webhook_calls(fake, [
        (None, activity),
        (f"Bearer {fake.forged_token()}", activity),
        (f"Bearer {fake.channel_token(audience='x')}", activity),
        (f"Bearer {fake.channel_token()}", b"{not json"),
        (f"Bearer {fake.channel_token()}", foreign),
    ])
    assert statuses == [401, 401, 401, 400, 403]
    assert received == []


# --- python -m bot teams check ---------------------------------------------------------------------------


def test_check_command_reports_working_and_wrong_settings(
    fake: FakeBotFramework, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"TEAMS_APP_ID": TEAMS_APP_ID, "TEAMS_APP_PASSWORD": fake.app_password,
                        "TEAMS_TENANT_ID": TEAMS_TENANT_ID, "TEAMS_TOKEN_URL": fake.token_url,
                        "TEAMS_OPENID_METADATA_URL": fake.metadata_url}.items():
        monkeypatch.setenv(name, value)
    assert teams_cli.main(["check", "--env-file", str(clean_env)]) == 0
    assert capsys.readouterr().out.count("OK:") == 2
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "expired-secret")
    assert teams_cli.main(["check", "--env-file", str(clean_env)]) == 1
    assert "AADSTS7000215" in capsys.readouterr().err
