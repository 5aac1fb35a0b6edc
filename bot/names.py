"""Names shared by the Python code and the Rasa files, so a typo is an AttributeError, not a silent miss.

The values are what ``domain.yml``, ``nlu/`` and the knowledge schema spell; ``tests/unit/test_names.py``
checks them against those files in both directions. Every enum is a ``str`` enum: a value read from YAML or
the database (a plain ``str``) compares, hashes and formats equal to its member.
"""

from __future__ import annotations

from enum import Enum


class _Name(str, Enum):
    def __str__(self) -> str:
        return str(self.value)


class UnitKind(_Name):
    """What a knowledge unit is (``kind:`` in the knowledge files; docs/knowledge-format.md)."""

    INTRODUCTION = "introduction"
    VALUE = "value"
    VALUE_LIST = "value_list"
    BEHAVIOUR = "behaviour"
    FACT = "fact"
    FIELD = "field"
    PEJLEMAERKE = "pejlemaerke"
    LEVEL_DESCRIPTION = "level_description"
    NOTE = "note"
    THEME = "theme"
    THEME_PROSE = "theme_prose"
    EXPECTATIONS = "expectations"
    SECTION = "section"
    LIST = "list"
    NETWORK_THEME = "network_theme"
    QUESTION_SET = "question_set"
    QUOTE = "quote"
    SURVEY = "survey"
    LITERATURE = "literature"
    CONTRIBUTORS = "contributors"


class Intent(_Name):
    """The NLU's intents (``domain.yml``)."""

    GREET = "greet"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    BOT_CAPABILITIES = "bot_capabilities"
    OUT_OF_SCOPE = "out_of_scope"
    FEEDBACK_POSITIVE = "feedback_positive"
    FEEDBACK_NEGATIVE = "feedback_negative"
    ASK_PRINCIPLE = "ask_principle"
    ASK_LEVEL = "ask_level"
    ASK_NETWORK_QUESTIONS = "ask_network_questions"
    ASK_OVERVIEW = "ask_overview"
    ASK_FACT = "ask_fact"
    FOLLOW_UP = "follow_up"
    SHOW_UNIT = "show_unit"
    NLU_FALLBACK = "nlu_fallback"


class Entity(_Name):
    """The NLU's entities (``domain.yml``)."""

    ORGANISATION = "organisation"
    PRINCIPLE = "principle"
    FIELD = "field"
    LEVEL = "level"
    NETWORK_THEME = "network_theme"
    UNIT_ID = "unit_id"


class Slot(_Name):
    """The conversation's slots (``domain.yml``): what the actions remember between turns."""

    LAST_UNIT = "last_unit"
    LAST_QUERY = "last_query"
    LAST_INTENT = "last_intent"
    KNOWLEDGE_VERSION = "knowledge_version"


KINDS = tuple(kind.value for kind in UnitKind)
