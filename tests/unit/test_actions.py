"""Actions against the real domain and the knowledge files in memory (no database), in the style of Rasa's
example bots: a tracker, a CollectingDispatcher and ``Domain.load("domain.yml")``."""

from __future__ import annotations

import ast
import asyncio
import re
from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion, ActionShowUnit
from actions.feedback import ActionFeedbackPositive, ActionNegativeFeedback
from actions.followup import ActionFollowUp
from actions.overview import ActionShowOverview
from actions.smalltalk import ActionSmallTalk
from actions.warmup import ActionWarmUp
from bot.knowledge.memory import InMemoryKnowledgeRepository
from bot.knowledge.repository import KnowledgeUnavailable
from bot.knowledge.service import KnowledgeService
from tests.conftest import ROOT

ACTION_CLASSES = [ActionAnswerQuestion, ActionShowUnit, ActionFollowUp, ActionShowOverview, ActionNegativeFeedback,
                  ActionFeedbackPositive, ActionWarmUp, ActionSmallTalk]


def run(action: Any, tracker: Any, domain: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain.as_dict()))
    return dispatcher, events


def rendered(dispatcher: CollectingDispatcher, domain: Any) -> list[str]:
    """Fill the domain templates the way the Rasa server does, to assert on the text a user sees."""
    texts = []
    for message in dispatcher.messages:
        name = message.get("response")
        if name:
            template = domain.responses[name][0]["text"]
            values = {k: str(v) for k, v in message.items()}
            texts.append(re.sub(r"\{(\w+)\}", lambda m, values=values: values.get(m.group(1), m.group(0)), template))
        elif message.get("text"):
            texts.append(message["text"])
    return texts


def slot(events: list[dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


class TestAnswers:
    def test_level_question_gets_the_exact_level_text_and_source(self, service, make_tracker, domain, repository):
        tracker = make_tracker("Hvad skal jeg som niveau 2 chef gøre ved sikker drift?", "ask_level",
                               [{"entity": "level", "value": "2"}])
        dispatcher, events = run(ActionAnswerQuestion(service), tracker, domain)
        unit = repository.get("kalundborg.drift.sikker-drift.niveau-2")
        assert [m["response"] for m in dispatcher.messages] == ["utter_knowledge_answer", "utter_ask_feedback"]
        text = rendered(dispatcher, domain)[0]
        assert unit.text in text
        assert "Kilde: Kalundborg Kommunes ledelses- og styringsgrundlag · Vi holder styr på driften" in text
        titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
        assert "Niveau 1" in titles
        assert SlotSet("last_unit", unit.id) in events
        assert SlotSet("knowledge_version", repository.version()) in events

    def test_principle_question_offers_both_levels(self, service, make_tracker, domain, repository):
        tracker = make_tracker("hvad betyder evidensbaseret", "ask_principle")
        dispatcher, _events = run(ActionAnswerQuestion(service), tracker, domain)
        unit = repository.get("kalundborg.drift.evidensbaseret-opgaveloesning")
        assert unit.text in rendered(dispatcher, domain)[0]
        payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
        assert '/show_unit{"unit_id": "kalundborg.drift.evidensbaseret-opgaveloesning.niveau-1"}' in payloads
        assert '/show_unit{"unit_id": "kalundborg.drift.evidensbaseret-opgaveloesning.niveau-2"}' in payloads

    def test_glostrup_theme_lists_its_items(self, service, make_tracker, domain, repository):
        tracker = make_tracker("Hvad indebærer relationerne i Glostrup?", "ask_principle",
                               [{"entity": "organisation", "value": "glostrup"}])
        dispatcher, _ = run(ActionAnswerQuestion(service), tracker, domain)
        text = rendered(dispatcher, domain)[0]
        for item in repository.get("glostrup.relationerne").items:
            assert f"• {item}" in text
        assert "Kilde: Glostrup Kommunes ledelsesgrundlag" in text

    def test_out_of_scope_text_gets_no_leadership_text(self, service, make_tracker, domain):
        tracker = make_tracker("Kan du bestille frokost?", "ask_principle")
        dispatcher, events = run(ActionAnswerQuestion(service), tracker, domain)
        assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
        assert events == []
        reply = rendered(dispatcher, domain)[0]
        assert "står der ikke noget om i ledelsesgrundlagene" in reply and "HR" in reply

    def test_button_shows_the_unit(self, service, make_tracker, domain, repository):
        tracker = make_tracker('/show_unit{"unit_id": "kl.dagsorden.adfaerd"}', "show_unit",
                               [{"entity": "unit_id", "value": "kl.dagsorden.adfaerd"}])
        dispatcher, events = run(ActionShowUnit(service), tracker, domain)
        assert "• skabe rum til kreativitet og nytænkning" in rendered(dispatcher, domain)[0]
        assert slot(events, "last_unit") == "kl.dagsorden.adfaerd"

    def test_unknown_button_id_says_no_match(self, service, make_tracker, domain):
        tracker = make_tracker("/show_unit", "show_unit", [{"entity": "unit_id", "value": "nope"}])
        dispatcher, _ = run(ActionShowUnit(service), tracker, domain)
        assert [m["response"] for m in dispatcher.messages] == ["utter_no_match"]


class TestFollowUps:
    def test_other_level_after_level_answer(self, service, make_tracker, domain, repository):
        slots = {"last_unit": "kalundborg.drift.oekonomistyring.niveau-2",
                 "last_query": "Hvad forventes af en niveau 2 leder om økonomistyring?", "last_intent": "ask_level"}
        tracker = make_tracker("og niveau 1?", "follow_up", [{"entity": "level", "value": "1"}], slots)
        dispatcher, events = run(ActionFollowUp(service), tracker, domain)
        assert repository.get("kalundborg.drift.oekonomistyring.niveau-1").text in rendered(dispatcher, domain)[0]
        assert slot(events, "last_unit") == "kalundborg.drift.oekonomistyring.niveau-1"

    def test_organisation_follow_up_reasks_the_last_question(self, service, make_tracker, domain, repository):
        slots = {"last_unit": "kalundborg.velfaerd.strategisk-innovation", "last_query": "hvad siger de om innovation",
                 "last_intent": "ask_principle"}
        tracker = make_tracker("hvad med Glostrup?", "follow_up", [{"entity": "organisation", "value": "glostrup"}],
                               slots)
        dispatcher, events = run(ActionFollowUp(service), tracker, domain)
        unit = repository.get(slot(events, "last_unit"))
        assert unit.organisation_id == "glostrup"
        assert unit.title in rendered(dispatcher, domain)[0]


class TestOverviewAndFallback:
    def test_fields_overview(self, service, make_tracker, domain, repository):
        dispatcher, _ = run(ActionShowOverview(service), make_tracker("hvilke felter er der?", "ask_overview"), domain)
        text = rendered(dispatcher, domain)[0]
        for field in repository.find(kind="field"):
            assert f"• {field.title}" in text

    def test_pejlemaerker_of_one_field(self, service, make_tracker, domain, repository):
        tracker = make_tracker("hvilke pejlemærker er der i drift?", "ask_overview")
        dispatcher, _ = run(ActionShowOverview(service), tracker, domain)
        text = rendered(dispatcher, domain)[0]
        for unit in repository.find(kind="pejlemaerke", parent="kalundborg.drift"):
            assert f"• {unit.title}" in text
        assert "Motiverende" not in text

    def test_glostrup_themes(self, service, make_tracker, domain, repository):
        tracker = make_tracker("hvilke temaer har Glostrup?", "ask_overview",
                               [{"entity": "organisation", "value": "glostrup"}])
        dispatcher, _ = run(ActionShowOverview(service), tracker, domain)
        text = rendered(dispatcher, domain)[0]
        assert all(f"• {t.title}" in text for t in repository.find(kind="theme"))

    def test_unsure_nlu_never_answers_out_of_scope(self, service, make_tracker, domain):
        tracker = make_tracker("hvordan nulstiller jeg min adgangskode", "nlu_fallback")
        dispatcher, _ = run(ActionAnswerQuestion(service), tracker, domain)
        assert [m["response"] for m in dispatcher.messages] in (["utter_no_match"], ["utter_out_of_scope"])

    def test_a_question_the_nlu_called_out_of_scope_is_still_asked_of_the_knowledge(
            self, service, make_tracker, domain):
        tracker = make_tracker("hvad siger glostrup om at træffe de vanskelige beslutninger", "out_of_scope",
                               [{"entity": "organisation", "value": "glostrup"}])
        dispatcher, events = run(ActionAnswerQuestion(service), tracker, domain)
        assert "træffe beslutninger – også de vanskelige" in rendered(dispatcher, domain)[0]
        assert slot(events, "last_unit") == "glostrup.rollen"

    def test_one_item_of_a_list_is_answered_as_a_passage_with_its_unit_one_button_away(
            self, service, make_tracker, domain):
        tracker = make_tracker("hvordan skal jeg som leder i glostrup reagere på kritik", "ask_principle",
                               [{"entity": "organisation", "value": "glostrup"}])
        dispatcher, _ = run(ActionAnswerQuestion(service), tracker, domain)
        first = dispatcher.messages[0]
        assert first["response"] == "utter_passage_answer"
        assert rendered(dispatcher, domain)[0].startswith("»tåler modgang og er lydhør over for konstruktiv kritik«")
        assert first["buttons"][0]["payload"] == '/show_unit{"unit_id": "glostrup.rollen"}'

    def test_negative_feedback_offers_alternatives(self, service, make_tracker, domain):
        slots = {"last_unit": "kalundborg.velfaerd.strategisk-innovation", "last_query": "innovation"}
        prompt = [{"event": "user", "text": "innovation"},
                  {"event": "bot", "text": "Hjalp svaret?", "metadata": {"utter_action": "utter_ask_feedback"}}]
        dispatcher, _ = run(ActionNegativeFeedback(service), make_tracker("det var ikke det jeg spurgte om",
                                                                   "feedback_negative", slots=slots,
                                                                   history=prompt), domain)
        message = dispatcher.messages[0]
        assert message["response"] == "utter_feedback_alternatives"
        assert all("strategisk-innovation\"" not in b["payload"] for b in message["buttons"])

    def test_feedback_words_in_a_question_without_an_answer_before_are_a_question(self, service, make_tracker, domain):
        tracker = make_tracker("hvordan skal vi i KL forholde os til fejl", "feedback_negative",
                               [{"entity": "organisation", "value": "kl"}])
        dispatcher, _ = run(ActionNegativeFeedback(service), tracker, domain)
        assert dispatcher.messages[0]["response"] in ("utter_knowledge_answer", "utter_passage_answer")
        assert "acceptere og lære af fejl" in rendered(dispatcher, domain)[0]

    def test_a_correction_is_answered_as_the_new_question(self, service, make_tracker, domain):
        slots = {"last_unit": "kl.resultater", "last_query": "resultater"}
        prompt = [{"event": "user", "text": "resultater"},
                  {"event": "bot", "text": "Hjalp svaret?", "metadata": {"utter_action": "utter_ask_feedback"}}]
        tracker = make_tracker("nej, jeg mente evidensbaseret opgaveløsning", "feedback_negative", slots=slots,
                               history=prompt)
        _, events = run(ActionNegativeFeedback(service), tracker, domain)
        assert slot(events, "last_unit").startswith("kalundborg.drift.evidensbaseret-opgaveloesning")


class UnreadableRepository(InMemoryKnowledgeRepository):
    """A knowledge base that cannot be read (the integration tests use a real missing database)."""

    def version(self) -> str:
        raise KnowledgeUnavailable("database unreachable")


def test_unreadable_knowledge_gives_danish_apology(make_tracker, domain, knowledge):
    broken = KnowledgeService(UnreadableRepository(knowledge))
    for action in (ActionAnswerQuestion(broken), ActionShowOverview(broken), ActionFollowUp(broken),
                   ActionNegativeFeedback(broken)):
        dispatcher, _ = run(action, make_tracker("hvad betyder evidensbaseret", "ask_principle"), domain)
        assert [m["response"] for m in dispatcher.messages] == ["utter_knowledge_unavailable"]
    assert "Beklager" in domain.responses["utter_knowledge_unavailable"][0]["text"]


def test_every_action_and_response_used_exists_in_the_domain(domain):
    names = {cls().name() for cls in ACTION_CLASSES}
    assert names == {a for a in domain.user_actions if not a.startswith("utter_")}
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "response" and isinstance(node.value, ast.Constant):
                used.add(node.value.value)
    assert used, "no responses found in actions/"
    missing = used - set(domain.responses)
    assert not missing, f"responses used in actions/ but not in domain.yml: {missing}"


def test_warm_up_loads_the_index_and_says_nothing(service, make_tracker, domain) -> None:
    dispatcher, events = run(ActionWarmUp(service), make_tracker("", "greet"), domain)
    assert dispatcher.messages == [] and events == []
    assert service.index().unit("kalundborg.drift.oekonomistyring.niveau-2") is not None


class TestSmallTalk:
    def test_thanks_gets_the_domain_reply(self, service, make_tracker, domain):
        dispatcher, _ = run(ActionSmallTalk(service), make_tracker("tusind tak", "thanks"), domain)
        assert [m["response"] for m in dispatcher.messages] == ["utter_you_are_welcome"]

    def test_a_level_after_an_answer_is_a_follow_up_whatever_the_intent(self, service, make_tracker, domain):
        slots = {"last_unit": "kalundborg.drift.oekonomistyring", "last_query": "økonomistyring"}
        _, events = run(ActionSmallTalk(service), make_tracker("niveau 1 tak", "thanks", slots=slots), domain)
        assert slot(events, "last_unit") == "kalundborg.drift.oekonomistyring.niveau-1"

    def test_more_after_a_theme_gives_its_prose(self, service, make_tracker, domain):
        slots = {"last_unit": "glostrup.rollen", "last_query": "rollen i glostrup"}
        tracker = make_tracker("kan du uddybe det", "bot_capabilities", slots=slots)
        _, events = run(ActionSmallTalk(service), tracker, domain)
        assert slot(events, "last_unit") == "glostrup.rollen.uddybning"

    def test_a_question_with_a_greeting_is_answered(self, service, make_tracker, domain):
        tracker = make_tracker("hej, hvad siger glostrup om at træffe de vanskelige beslutninger", "greet",
                               [{"entity": "organisation", "value": "glostrup"}])
        dispatcher, _ = run(ActionSmallTalk(service), tracker, domain)
        assert "træffe beslutninger – også de vanskelige" in rendered(dispatcher, domain)[0]


def test_every_question_like_intent_reaches_the_search() -> None:
    """Retrieval first: no intent answers with a fixed reply that the knowledge never saw."""
    import yaml

    rules = yaml.safe_load((ROOT / "nlu" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    action_of = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    for intent in ("ask_principle", "ask_level", "ask_network_questions", "ask_fact", "out_of_scope", "nlu_fallback"):
        assert action_of[intent] == "action_answer_question", intent
    for intent in ("greet", "goodbye", "thanks", "bot_capabilities"):
        assert action_of[intent] == "action_small_talk", intent
    assert not any(action.startswith("utter_") for action in action_of.values())
