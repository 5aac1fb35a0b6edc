"""Microsoft Teams channel, no network: reading activities, who is welcomed, conversation keys, settings.

The parts of bot/rasa/channels/teams/ that are pure functions of an activity or of credentials.yml.
The JWT validation and the connector are in tests/integration/test_teams.py (against the local fake
Bot Framework), the whole bot in tests/e2e/test_teams.py.
"""

from __future__ import annotations

import pytest

from bot.rasa.channels.teams.auth import default_token_url
from bot.rasa.channels.teams.input import TeamsInput, message_text, sender_id, should_greet
from bot.rasa.channels.teams.output import card_action
from tests.fakes.botframework import BOT_ID, BOT_NAME
from tests.fakes.channel_env import TEAMS_APP_ID, TEAMS_TENANT_ID


def test_single_tenant_token_endpoint() -> None:
    assert default_token_url(TEAMS_TENANT_ID) == (
        f"https://login.microsoftonline.com/{TEAMS_TENANT_ID}/oauth2/v2.0/token")


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
