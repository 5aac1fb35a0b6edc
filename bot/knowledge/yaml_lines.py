"""Where a problem is: line numbers of YAML nodes (ruamel round-trip) and paths as the messages name them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.settings import PROJECT_ROOT


def line_of(node: Any, key: str | int | None = None) -> int:
    """1-based line of a mapping key or sequence item (or of the node itself); 1 when unknown."""
    try:
        if key is None:
            return int(node.lc.line) + 1
        if isinstance(node, CommentedMap):
            return int(node.lc.key(key)[0]) + 1
        if isinstance(node, CommentedSeq):
            return int(node.lc.item(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        pass
    return 1



def display(path: Path) -> str:
    """A path as problems name it: relative to the repository when inside it (``knowledge/kl-….yml:12``)."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)
