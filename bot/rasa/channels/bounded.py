"""A bounded map for the channels' short memories (redelivered updates, button payloads).

Telegram and Teams both re-send what they think was not delivered, and Telegram's buttons carry a key
for a payload too long for ``callback_data``. Each channel remembers a bounded number of these in one
process; the oldest go first, so memory stays flat however long the server runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMap(Generic[K, V]):
    """A dict of at most ``capacity`` entries that forgets the least recently used first.

    ``get`` and ``put`` count as a use. ``first_time`` (the redelivery check, on a map of ids to None)
    does not, so an id delivered again and again is still forgotten in the order it first arrived.
    """

    def __init__(self, capacity: int) -> None:
        """Remember at most ``capacity`` entries."""
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now the most recently used), or None when it is not remembered."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key`` as the most recently used; beyond capacity the oldest goes."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def first_time(self: BoundedMap[K, None], key: K) -> bool:
        """True if ``key`` is new, and remember it; False if it is among the ids remembered.

        Telegram and the Bot Connector re-send an update or activity they think was not delivered; a
        channel answers it once by skipping the ids for which this is False.
        """
        if key in self._items:
            return False
        self.put(key, None)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
