"""Microsoft Teams against the real bot: questions, buttons, welcomes and rejected requests end to end.

Every test is marked `rasa`: it talks to the trained bot (fixture `rasa_bot`) whose Teams channel points
at the fake Bot Framework in tests/fakes/botframework.py on TEAMS_FAKE_PORT (fixture `botframework`).
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from ruamel.yaml import YAML

from bot.core.privacy import pseudonym
from tests.conftest import ROOT, RunningBot
from tests.fakes.botframework import BOT_ID, BOT_NAME, FakeBotFramework, post_activity
from tests.fakes.channel_env import SENDER_KEY

QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"

NIVEAU_2 = "kalundborg.drift.oekonomistyring.niveau-2"

NIVEAU_1 = "kalundborg.drift.oekonomistyring.niveau-1"

SOURCE = "Kilde: Kalundborg Kommunes ledelses- og styringsgrundlag"


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
    "forged signature": (401, lambda f, a: f.forged_token()),
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
    events = rasa_bot.tracker(pseudonym(user, SENDER_KEY.encode()))["events"]
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
