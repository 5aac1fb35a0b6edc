"""How search cost grows with the knowledge: 1×, 10× and 100× the real units.

Synthetic units are made from the real ones: same kinds, structure and organisations, texts built
from the corpus's own words plus invented words (so the vocabulary grows too), and embeddings
copied from the unit they imitate with noise (the similarity computation costs the same).
Run one factor per process so memory figures are not mixed: ``python -m tools.bench.scale 10``.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time
import tracemalloc

import numpy as np

from bot.core.answering import Answerer, Question
from bot.core.model import Snapshot
from bot.core.search import SearchIndex, SearchOptions
from bot.knowledge import embeddings
from tools.bench.load import percentile
from tools.bench.procs import tree_rss_mb


def synthetic(snapshot: Snapshot, factor: int, seed: int = 7) -> Snapshot:
    if factor <= 1:
        return snapshot
    rng = random.Random(seed)
    words = sorted({w for u in snapshot.units for w in (u.text + " " + " ".join(u.items)).split() if w.isalpha()})
    units = list(snapshot.units)
    vectors = dict(snapshot.embeddings)
    for copy in range(1, factor):
        for unit in snapshot.units:
            new_id = f"{unit.id}.syn{copy}"
            invented = [f"{rng.choice(words)[:5]}{rng.choice(words)[-4:]}".lower() for _ in range(3)]
            text = " ".join(rng.choice(words) for _ in range(max(8, len(unit.text.split())))) + " " + " ".join(invented)
            units.append(dataclasses.replace(
                unit, id=new_id, title=f"{unit.title} {invented[0]}", text=text,
                items=tuple(" ".join(rng.choice(words) for _ in range(10)) for _ in unit.items),
                parent_id=f"{unit.parent_id}.syn{copy}" if unit.parent_id else None,
                synonyms=(), keywords=(),
            ))
            if unit.id in snapshot.embeddings:
                noisy = snapshot.embeddings[unit.id] + np.random.default_rng(len(units)).normal(0, 0.02, 384)
                vectors[new_id] = (noisy / np.linalg.norm(noisy)).astype(np.float32)
    return dataclasses.replace(snapshot, units=tuple(units), embeddings=vectors, version=f"{snapshot.version}x{factor}")


def measure(factor: int, questions: list[str]) -> dict[str, float]:
    from bot.knowledge.service import knowledge_service

    base = knowledge_service().repository.snapshot()
    embed = embeddings.embed_query if embeddings.available() and base.embeddings else None
    if embed:
        embed("opvarmning")  # load the model before measuring memory
    Answerer(SearchIndex(base, embed_query=embed), base.organisations).decide(Question("opvarmning"))  # lemmatizer
    snapshot = synthetic(base, factor)
    start = time.perf_counter()
    index = SearchIndex(snapshot, embed_query=embed)
    build_s = time.perf_counter() - start
    tracemalloc.start()
    twin = SearchIndex(snapshot, embed_query=embed)  # a second, identical index: what one index holds
    index_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del twin
    rss_after = tree_rss_mb(_pid())
    lexical = SearchIndex(snapshot, SearchOptions(semantic=False))
    result = {"factor": factor, "units": len(snapshot.units), "index_build_s": build_s,
              "index_mb": index_mb, "process_mb": rss_after}
    for name, idx in (("search", index), ("search_lexical", lexical)):
        idx.search(questions[0])
        times = []
        for question in questions:
            start = time.perf_counter()
            idx.search(question)
            times.append((time.perf_counter() - start) * 1000)
        result[f"{name}_p50_ms"] = percentile(times, 50)
        result[f"{name}_p95_ms"] = percentile(times, 95)
    # The same with the query's embedding already computed (it is cached per index): what the search
    # itself costs, apart from the embedding model's ~constant time per query.
    times = []
    for question in questions:
        index.search(question)
        start = time.perf_counter()
        index.search(question)
        times.append((time.perf_counter() - start) * 1000)
    result["search_scoring_p50_ms"] = percentile(times, 50)
    result["search_scoring_p95_ms"] = percentile(times, 95)
    answerer = Answerer(index, snapshot.organisations)
    times = []
    for question in questions:
        start = time.perf_counter()
        answerer.decide(Question(question))
        times.append((time.perf_counter() - start) * 1000)
    result["decide_p50_ms"] = percentile(times, 50)
    result["decide_p95_ms"] = percentile(times, 95)
    return result


def _pid() -> int:
    import os

    return os.getpid()


if __name__ == "__main__":
    questions = json.loads(sys.stdin.read())
    print(json.dumps(measure(int(sys.argv[1]), questions)))
