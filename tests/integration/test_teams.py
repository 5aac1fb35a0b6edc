"""Microsoft Teams channel: JWT validation, connector token and replies, the webhook, the app package.

The tests marked `rasa` talk to the real bot (fixture `rasa_bot`) whose Teams channel points at the fake
Bot Framework in tests/fakes/botframework.py on TEAMS_FAKE_PORT. The others run the channel's parts
in-process against a fake on a free port.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import urllib.request
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from ruamel.yaml import YAML

from bot.cli.main import teams as teams_cli
from bot.rasa.channels.teams.auth import (
    CLOCK_SKEW_SECONDS,
    AuthError,
    BotFrameworkTokenValidator,
    ConnectorAuthError,
    ConnectorTokenClient,
    HttpClient,
    KeysUnavailable,
    OpenIdKeys,
    default_token_url,
)
from bot.rasa.channels.teams.input import (
    ConversationReference,
    TeamsInput,
    TeamsOutput,
    card_action,
    message_text,
    sender_id,
    should_greet,
)
from tests.conftest import ROOT, RunningBot
from tests.fakes.botframework import (
    BOT_ID,
    BOT_NAME,
    FakeBotFramework,
    SigningKey,
    new_key,
    post_activity,
)
from tests.fakes.channel_env import CHANNEL_ENV, TEAMS_APP_ID, TEAMS_TENANT_ID

QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"
NIVEAU_2 = "kalundborg.drift.oekonomistyring.niveau-2"
NIVEAU_1 = "kalundborg.drift.oekonomistyring.niveau-1"
SOURCE = "Kilde: Kalundborg Kommunes ledelses- og styringsgrundlag"


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


def _forged(fake: FakeBotFramework) -> str:  # right key id, other private key
    return fake.channel_token(key=SigningKey(fake.keys[0].kid, new_key().private_key))


def _unsigned(fake: FakeBotFramework) -> str:
    claims = jwt.decode(fake.channel_token(), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"kid": fake.keys[0].kid})  # type: ignore[arg-type]


def _hs256(fake: FakeBotFramework) -> str:  # signed with the app secret instead of Microsoft's key
    claims = jwt.decode(fake.channel_token(), options={"verify_signature": False})
    return jwt.encode(claims, CHANNEL_ENV["TEAMS_APP_PASSWORD"] * 2, algorithm="HS256",
                      headers={"kid": fake.keys[0].kid})


INVALID_TOKENS: dict[str, Callable[[FakeBotFramework], str]] = {
    "forged signature": _forged,
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

def test_single_tenant_token_endpoint() -> None:
    assert default_token_url(TEAMS_TENANT_ID) == (
        f"https://login.microsoftonline.com/{TEAMS_TENANT_ID}/oauth2/v2.0/token")


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


# --- incoming activities -------------------------------------------------------------------------------

def test_the_bot_mention_is_stripped() -> None:
    activity = {
        "text": "<at>Lederassistent</at>&nbsp;Hvad siger <at>Jens Hansen</at> om økonomi &amp; drift?\n",
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "entities": [
            {"type": "mention", "text": "<at>Lederassistent</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}},
            {"type": "mention", "text": "<at>Jens Hansen</at>", "mentioned": {"id": "29:jens", "name": "Jens"}},
        ],
    }
    assert message_text(activity) == "Hvad siger Jens Hansen om økonomi & drift?"
    del activity["entities"]  # without entities the bot's name is recognised
    assert message_text(activity) == "Hvad siger Jens Hansen om økonomi & drift?"


def test_a_pressed_button_gives_its_payload() -> None:
    payload = '/show_unit{"unit_id": "x"}'
    action = card_action({"title": "X", "payload": payload})
    assert message_text({"text": action["text"], "value": action["value"]}) == payload
    assert message_text({"text": "tekst", "value": {"other": 1}}) == "tekst"


@pytest.mark.parametrize(
    ("members", "conversation_type", "greet"),
    [
        ([BOT_ID], "personal", True),
        ([BOT_ID], "channel", True),
        ([BOT_ID, "29:someone"], "groupChat", True),
        (["29:someone"], "personal", True),
        (["29:someone"], "channel", False),
        (["29:someone"], "groupChat", False),
        ([], "personal", False),
    ],
)
def test_who_is_welcomed(members: list[str], conversation_type: str, greet: bool) -> None:
    activity = {"recipient": {"id": BOT_ID}, "membersAdded": [{"id": m} for m in members],
                "conversation": {"id": "c", "conversationType": conversation_type}}
    assert should_greet(activity) is greet


def test_sender_is_the_user_and_in_shared_conversations_the_user_there() -> None:
    personal = {"from": {"id": "29:u"}, "conversation": {"id": "a:1", "conversationType": "personal"}}
    assert sender_id(personal) == "29:u"
    thread = {"from": {"id": "29:u"}, "conversation": {"id": "19:x;messageid=1", "conversationType": "channel"}}
    other = {"from": {"id": "29:u"}, "conversation": {"id": "19:x;messageid=2", "conversationType": "channel"}}
    assert sender_id(thread).startswith("29:u|") and sender_id(thread) != sender_id(other)


def test_credentials_need_app_id_secret_and_tenant() -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        TeamsInput.from_credentials({"app_id": TEAMS_APP_ID, "app_password": "x", "tenant_id": ""})
    channel = TeamsInput.from_credentials({"app_id": TEAMS_APP_ID, "app_password": "x", "tenant_id": TEAMS_TENANT_ID,
                                           "openid_metadata_url": "", "token_url": ""})
    assert isinstance(channel, TeamsInput)
    assert channel.connector.tokens.token_url == default_token_url(TEAMS_TENANT_ID)
    assert channel.validator.keys.metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"


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
    assert received[0].sender_id == sender_id(message)
    assert received[0].output_channel.reference.reply_to_id == message["id"]
    assert received[1].output_channel.reference.reply_to_id is None


def test_webhook_rejects_before_anything_is_processed(fake: FakeBotFramework) -> None:
    activity = fake.message("hej")
    foreign = fake.message("hej")
    foreign["channelData"] = {"tenant": {"id": "00000000-0000-4000-8000-0000000000ff"}}
    statuses, received = webhook_calls(fake, [
        (None, activity),
        (f"Bearer {_forged(fake)}", activity),
        (f"Bearer {fake.channel_token(audience='x')}", activity),
        (f"Bearer {fake.channel_token()}", b"{not json"),
        (f"Bearer {fake.channel_token()}", foreign),
    ])
    assert statuses == [401, 401, 401, 400, 403]
    assert received == []


# --- the app package -----------------------------------------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    import os

    for name in list(os.environ):
        if name.startswith("TEAMS_"):
            monkeypatch.delenv(name)
    return tmp_path / "no.env"


def package(tmp_path: Path, env_file: Path, *flags: str) -> tuple[int, Path]:
    out = tmp_path / "dist" / "lederassistent-teams.zip"
    return teams_cli.main(["package", "--out", str(out), "--env-file", str(env_file), *flags]), out


def test_package_holds_a_valid_manifest_and_icons(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    monkeypatch.setenv("TEAMS_APP_ID", TEAMS_APP_ID)
    monkeypatch.setenv("TEAMS_BOT_HOST", "https://lederbot.kommune.dk/webhooks/teams/webhook")
    status, out = package(tmp_path, clean_env)
    assert status == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))

    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
    assert f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json" in manifest["$schema"]
    assert manifest["id"] == TEAMS_APP_ID and manifest["version"] == "1.0.0"
    (bot,) = manifest["bots"]
    assert bot["botId"] == TEAMS_APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["validDomains"] == ["lederbot.kommune.dk"]
    assert manifest["developer"]["websiteUrl"] == "https://lederbot.kommune.dk/"
    assert all(manifest["developer"][k].startswith("https://") for k in ("privacyUrl", "termsOfUseUrl"))
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert "ledelsesgrundlag" in manifest["description"]["full"]  # Danish text
    for command in bot["commandLists"][0]["commands"]:
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert "${" not in json.dumps(manifest)

    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = list(outline.getdata())
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels)  # white on transparent
    assert any(a == 255 for *_, a in pixels) and any(a == 0 for *_, a in pixels)


def test_package_settings_from_flags_and_env_file(
    tmp_path: Path, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f'TEAMS_APP_ID="{TEAMS_APP_ID}"\n# a comment\nTEAMS_BOT_HOST=bot.example.dk\n')
    status, out = package(tmp_path, env_file, "--name", "Ledelse", "--version", "1.2.3",
                          "--privacy-url", "https://example.dk/privatliv")
    assert status == 0, capsys.readouterr().err
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["name"]["short"] == "Ledelse" and manifest["version"] == "1.2.3"
    assert manifest["developer"]["privacyUrl"] == "https://example.dk/privatliv"
    assert manifest["validDomains"] == ["bot.example.dk"]


@pytest.mark.parametrize(
    ("env", "flags", "message"),
    [
        ({}, [], "TEAMS_APP_ID mangler"),
        ({"TEAMS_APP_ID": "not-a-guid", "TEAMS_BOT_HOST": "bot.example.dk"}, [], "GUID"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID}, [], "TEAMS_WEBSITE_URL mangler"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID, "TEAMS_BOT_HOST": "bot.example.dk"}, ["--name", "x" * 31], "højst 30"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID, "TEAMS_BOT_HOST": "bot.example.dk"},
         ["--terms-url", "http://example.dk/"], "https"),
    ],
)
def test_package_explains_what_is_missing(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    env: dict[str, str], flags: list[str], message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, out = package(tmp_path, clean_env, *flags)
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_package_command_through_the_bot_cli(tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.main import main

    monkeypatch.setenv("TEAMS_APP_ID", TEAMS_APP_ID)
    monkeypatch.setenv("TEAMS_BOT_HOST", "bot.example.dk")
    out = tmp_path / "app.zip"
    assert main(["teams", "package", "--out", str(out), "--env-file", str(clean_env)]) == 0
    assert zipfile.is_zipfile(out)


def test_committed_icons_have_the_sizes_teams_requires() -> None:
    assert teams_cli.png_info((ROOT / "teams" / "color.png").read_bytes()).width == 192
    info = teams_cli.png_info((ROOT / "teams" / "outline.png").read_bytes())
    assert (info.width, info.height, info.has_alpha) == (32, 32, True)


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


# --- the real bot --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webhook(rasa_bot: RunningBot, botframework: FakeBotFramework) -> str:
    return f"{rasa_bot.base_url}/webhooks/teams/webhook"


def send(webhook: str, botframework: FakeBotFramework, activity: dict[str, Any]) -> int:
    return post_activity(webhook, activity, botframework.channel_token())


def greeting_text() -> str:
    domain = YAML(typ="safe").load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"]["utter_greet"][0]["text"])


@pytest.mark.rasa
def test_question_is_answered_through_the_connector(webhook: str, botframework: FakeBotFramework, repository) -> None:
    activity = botframework.message(QUESTION)
    assert send(webhook, botframework, activity) == 202
    answer, feedback = botframework.wait_for_replies(activity["conversation"]["id"], 2)
    assert repository.get(NIVEAU_2).text in answer.text
    assert SOURCE in answer.text
    assert any(b["title"] == "Niveau 1" and b["type"] == "messageBack" for b in answer.buttons)
    assert answer.authorization in [f"Bearer {token}" for token in botframework.issued_tokens]
    assert answer.reply_to_id == activity["id"] and answer.body["textFormat"] == "plain"
    assert answer.body["recipient"]["id"] == activity["from"]["id"]
    assert feedback.text == "Hjalp svaret?"
    assert [b["value"] for b in feedback.buttons] == [{"payload": "/feedback_positive"},
                                                      {"payload": "/feedback_negative"}]


@pytest.mark.rasa
def test_pressing_a_button_shows_that_unit(webhook: str, botframework: FakeBotFramework, repository) -> None:
    question = botframework.message(QUESTION)
    conversation, user = question["conversation"]["id"], question["from"]["id"]
    send(webhook, botframework, question)
    answer = botframework.wait_for_replies(conversation, 2)[0]
    button = next(b for b in answer.buttons if b["title"] == "Niveau 1")
    # What Teams posts for a messageBack: the action's text and value (its displayText stays in the chat).
    press = botframework.message(button["text"], conversation_id=conversation, user_id=user, value=button["value"])
    assert send(webhook, botframework, press) == 202
    replies = botframework.wait_for_replies(conversation, 4)
    assert repository.get(NIVEAU_1).text in replies[2].text
    assert replies[2].reply_to_id == press["id"]


@pytest.mark.rasa
def test_the_bot_added_to_a_chat_says_welcome(webhook: str, botframework: FakeBotFramework) -> None:
    update = botframework.conversation_update([BOT_ID])
    assert send(webhook, botframework, update) == 202
    (welcome,) = botframework.wait_for_replies(update["conversation"]["id"], 1)
    assert welcome.text == greeting_text()
    assert welcome.reply_to_id is None


@pytest.mark.rasa
def test_a_question_in_a_channel_with_a_mention(webhook: str, botframework: FakeBotFramework, repository) -> None:
    conversation = "19:leder-kanal@thread.tacv2;messageid=1700000000042"
    activity = botframework.message(
        f"<at>{BOT_NAME}</at> {QUESTION}", conversation_id=conversation, conversation_type="channel",
        entities=[{"type": "mention", "text": f"<at>{BOT_NAME}</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}}])
    assert send(webhook, botframework, activity) == 202
    answer = botframework.wait_for_replies(conversation, 2)[0]
    assert repository.get(NIVEAU_2).text in answer.text
    assert answer.reply_to_id == activity["id"]


REJECTED = {
    "forged signature": (401, lambda f, a: _forged(f)),
    "expired": (401, lambda f, a: f.channel_token(expires_in=-3600)),
    "wrong audience": (401, lambda f, a: f.channel_token(audience="00000000-0000-4000-8000-000000000bad")),
    "wrong issuer": (401, lambda f, a: f.channel_token(issuer="https://login.microsoftonline.com/x/v2.0")),
    "serviceUrl mismatch": (401, lambda f, a: f.channel_token(service_url=f.service_url)),  # activity: /evil/
    "missing header": (401, lambda f, a: None),
    "other tenant": (403, lambda f, a: f.channel_token()),
}


@pytest.mark.rasa
@pytest.mark.parametrize("case", list(REJECTED))
def test_unauthenticated_requests_are_rejected_and_not_processed(
    webhook: str, botframework: FakeBotFramework, rasa_bot: RunningBot, case: str
) -> None:
    status, token_for = REJECTED[case]
    bad = botframework.message("Hvad står der om rotation?")
    conversation, user = bad["conversation"]["id"], bad["from"]["id"]
    if case == "serviceUrl mismatch":  # the replies (and the bot's token) would go to another server
        bad["serviceUrl"] = f"{botframework.base_url}/evil/"
    if case == "other tenant":
        bad["channelData"] = {"tenant": {"id": "00000000-0000-4000-8000-0000000000ff"}}
    assert post_activity(webhook, bad, token_for(botframework, bad)) == status

    # A valid message afterwards in the same conversation: the rejected one, had it been taken, would
    # have been handled first. Only the valid one is answered and stored.
    good = botframework.message("hej", conversation_id=conversation, user_id=user)
    assert send(webhook, botframework, good) == 202
    botframework.wait_for_replies(conversation, 1)
    time.sleep(1)
    assert {r.reply_to_id for r in botframework.replies(conversation)} == {good["id"]}
    events = rasa_bot.tracker(quote(user, safe=":"))["events"]
    said = [e.get("text") for e in events if e["event"] == "user"]
    assert said == ["hej"]


@pytest.mark.rasa
def test_the_suggested_commands_in_the_manifest_get_answers(rasa_bot: RunningBot) -> None:
    """Teams offers the manifest's commands as ready-made questions: each must be understood."""
    template = json.loads((ROOT / "teams" / "manifest.template.json").read_text(encoding="utf-8"))
    domain = YAML(typ="safe").load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    not_understood = {domain["responses"][name][0]["text"] for name in ("utter_no_match", "utter_out_of_scope")}
    for command in template["bots"][0]["commandLists"][0]["commands"]:
        request = urllib.request.Request(
            f"{rasa_bot.base_url}/webhooks/rest/webhook",
            json.dumps({"sender": f"teams-command-{time.time_ns()}", "message": command["title"]}).encode(),
            {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            texts = [m.get("text", "") for m in json.loads(answer.read())]
        assert texts and not not_understood & set(texts), (command["title"], texts)
