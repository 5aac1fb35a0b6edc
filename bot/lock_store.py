"""Rasa's Redis lock store, without its wait-for-ever after a crashed server.

Rasa serialises each conversation with ticket locks: a message takes a ticket and waits until it is the
lowest live one. A ticket expires after ``TICKET_LOCK_LIFETIME`` seconds, so a ticket left behind by a
Rasa server that died is skipped after that time. But the waiting message's own ticket expires too, and
Rasa's waiting loop removes every expired ticket: when the dead server's ticket and the waiter's expire
within the same poll, both go, and Rasa 3.6 then waits for a ticket that no longer exists, for ever
(seen in the scale-out test: the user got an HTTP 504 after 60 s). Here a waiter whose ticket has gone
takes a new one, and is served next if nobody else is waiting.

Configured in endpoints.prod.yml as ``type: bot.lock_store.TicketLockStore`` with the settings of Rasa's
``redis`` lock store (url, port, password, db, key_prefix, use_ssl).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class TicketLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        for key in ("port", "db"):
            if isinstance(kwargs.get(key), str):
                kwargs[key] = int(kwargs[key] or (6379 if key == "port" else 0))
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = [self.issue_ticket(conversation_id, lock_lifetime)]  # the current one, for the cleanup
        try:
            yield await self._wait_for_turn(conversation_id, lock_lifetime, wait_time_in_seconds, ticket)
        finally:
            self.cleanup(conversation_id, ticket[0])

    async def _wait_for_turn(
        self, conversation_id: str, lifetime: float, wait: float, ticket: list[int]
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or all(t.number != ticket[0] for t in lock.tickets):
                # Our ticket expired while we waited (or the lock was cleaned up): queue again.
                ticket[0] = self.issue_ticket(conversation_id, lifetime)
                continue
            if not lock.is_locked(ticket[0]):
                return lock
            await asyncio.sleep(wait)
            self.update_lock(conversation_id)
