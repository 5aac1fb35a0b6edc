"""Line numbers of YAML nodes read with ruamel's round-trip loader, for "file:line: problem" messages."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq


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
