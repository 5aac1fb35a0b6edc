"""The held-out NLU test set (tests/e2e/nlu_test_data.yml), scored by `rasa test nlu` just before this runs."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.rasa
REPORT = ROOT / "results" / "nlu" / "intent_report.json"


def test_intent_classification_on_held_out_examples() -> None:
    if not REPORT.exists():
        pytest.fail("run `rasa test nlu` first (make rasa-test does)")
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    assert report["accuracy"] >= 0.9, report["accuracy"]
    # Out-of-scope questions must not be taken for leadership questions, nor the reverse.
    assert report["out_of_scope"]["precision"] >= 0.9 and report["out_of_scope"]["recall"] >= 0.9
    weak = {name: round(v["f1-score"], 2) for name, v in report.items()
            if isinstance(v, dict) and "f1-score" in v and v["f1-score"] < 0.8}
    assert not weak, f"intents with F1 below 0.8: {weak}"
