"""Seconds from an HR edit of a knowledge text until the running bot answers with the new text."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from tools.bench.procs import rest_answer

FILE = "kalundborg-ledelses-og-styringsgrundlag.yml"
OLD = "og tænker helhedsorienteret i brug af ressourcer."
QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"


def knowledge_change(base_url: str, knowledge_dir: Path, work: Path, db_url: str, run: int) -> dict[str, float]:
    """Change one unit's text in a copy of the knowledge files, publish it with HR's command, and ask
    the bot until the answer carries the new wording."""
    copy = work / "knowledge"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(knowledge_dir, copy)
    marker = f"(ændret i bænkprøve {run})"
    path = copy / FILE
    text = path.read_text(encoding="utf-8")
    assert OLD in text, f"{FILE} no longer contains the benchmark's sentence"
    path.write_text(text.replace(OLD, f"{OLD} {marker}", 1), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "knowledge", "publish", "--dir", str(copy), "--db", db_url,
                    "--nlu-dir", str(work / "generated")], check=True, stdout=subprocess.DEVNULL)
    published = time.perf_counter() - start
    deadline = start + 60
    while time.perf_counter() < deadline:
        answer = rest_answer(base_url, QUESTION, sender=f"bench-live-{run}-{time.time_ns()}")
        if any(marker in m.get("text", "") for m in answer):
            return {"publish_s": published, "live_s": time.perf_counter() - start}
        time.sleep(0.1)
    raise TimeoutError("the changed knowledge was not answered within 60 s")
