"""The stock Rasa 3.6 bot (`rasa init`), created and trained in the benchmark run for comparison."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

STOCK_MESSAGES = ["hello", "hi", "good morning", "hey there", "goodbye", "bye"]


def create(directory: Path, rasa: str) -> None:
    """`rasa init --no-prompt` writes the example project (and trains it once)."""
    if (directory / "domain.yml").exists():
        return
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    subprocess.run([rasa, "init", "--no-prompt", "--init-dir", str(directory)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=directory)


def train(directory: Path, rasa: str, out: Path) -> float:
    """Seconds for a full `rasa train --force` of the stock bot."""
    start = time.perf_counter()
    subprocess.run([rasa, "train", "--force", "--out", str(out), "--fixed-model-name", "stock"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=directory)
    return time.perf_counter() - start
