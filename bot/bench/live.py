"""Seconds from an HR edit of a knowledge file until the running bot answers with the new text."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bot.bench.procs import rest_answer


def knowledge_change(base_url: str, knowledge_dir: Path, work: Path, db_url: str, run: int) -> dict[str, float]:
    """Add a unit to a copy of the knowledge files, publish it with HR's command, poll until it is answered."""
    copy = work / "knowledge"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(knowledge_dir, copy)
    marker = f"Bænkprøvekantine{run}"
    path = copy / "kl-organisation.yml"
    path.write_text(path.read_text(encoding="utf-8") + (
        f"\n  - id: kl.org.baenkproeve{run}\n    kind: fact\n    title: {marker}\n"
        f"    text: {marker} holder åbent for alle medarbejdere hver dag.\n"), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "knowledge", "publish", "--dir", str(copy), "--db", db_url,
                    "--nlu-dir", str(work / "generated")], check=True, stdout=subprocess.DEVNULL)
    published = time.perf_counter() - start
    deadline = start + 60
    while time.perf_counter() < deadline:
        answer = rest_answer(base_url, f"Hvad er {marker.lower()}?", sender=f"bench-live-{run}-{time.time_ns()}")
        if any(marker in m.get("text", "") and "hver dag" in m.get("text", "") for m in answer):
            return {"publish_s": published, "live_s": time.perf_counter() - start}
        time.sleep(0.1)
    raise TimeoutError("the changed knowledge was not answered within 60 s")
