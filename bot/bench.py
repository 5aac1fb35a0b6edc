"""Benchmarks (`make bench`): index build time, search/decision latency and memory, in-process."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

import yaml

from bot.answering import Answerer, Question
from bot.knowledge import embeddings
from bot.knowledge.search import SearchIndex
from bot.knowledge.service import knowledge_service

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    cases = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yml").read_text(encoding="utf-8"))["cases"]
    questions = [turn for case in cases for turn in case["turns"]]
    service = knowledge_service()
    snapshot = service.repository.snapshot()
    embed = embeddings.embed_query if (snapshot.embeddings and embeddings.available()) else None

    start = time.perf_counter()
    index = SearchIndex(snapshot, embed_query=embed)
    build_ms = (time.perf_counter() - start) * 1000
    answerer = Answerer(index, index.organisations)
    answerer.decide(Question("opvarmning"))  # load the lemmatizer and the embedding model

    timings = []
    for question in questions:
        start = time.perf_counter()
        answerer.decide(Question(question))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units: {len(snapshot.units)}, semantic: {'on' if embed else 'off'}")
    print(f"index build: {build_ms:.0f} ms")
    print(f"decision per question ({len(timings)}): p50 {statistics.median(timings):.1f} ms, "
          f"p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"peak RSS of this process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
