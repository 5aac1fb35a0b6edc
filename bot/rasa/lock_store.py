"""Rasa's Redis lock store, made safe for several Rasa servers.

Rasa serialises each conversation with ticket locks: a message takes a ticket and waits until it holds
the lowest live one; a ticket expires after ``TICKET_LOCK_LIFETIME`` seconds, so one left behind by a
Rasa server that died is skipped after that time. Rasa 3.6's Redis store has two flaws this one fixes:

* Every change is read, change, write: two servers taking a ticket for the same conversation at the same
  moment can overwrite each other's. Here each change is one Redis transaction (WATCH/MULTI, retried
  when another server changed the lock in between).
* The waiting message's own ticket expires too, and the waiting loop removes every expired ticket: when
  the dead server's ticket and the waiter's expire within one poll, both go and Rasa waits for ever (seen
  in the scale-out test as 60 s hangs). Here a waiter whose ticket has gone takes a new one.

Configured in endpoints.prod.yml as ``type: bot.rasa.lock_store.TicketLockStore`` with the settings of Rasa's
``redis`` lock store (url, port, password, db, key_prefix, use_ssl).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from typing_extensions import override

T = TypeVar("T")
Change = Callable[[TicketLock | None], tuple[T, TicketLock | None]]  # result, lock to save (None: delete)


class TicketLockStore(RedisLockStore):
    """Rasa's Redis lock store with one transaction per change and waiters that queue again (see the module).

    It takes the settings of Rasa's ``redis`` lock store; a port or db given as text (from a ``${VAR}``
    placeholder) becomes a number, and an empty password is left out.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        for key, default in (("port", 6379), ("db", 0)):
            if isinstance(kwargs.get(key), str):
                kwargs[key] = int(kwargs[key] or default)
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(**kwargs)

    # --- one transaction per change -------------------------------------------------------------------

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new = change(lock)
                    pipe.multi()
                    if new is None or not new.tickets:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed this lock meanwhile: read it again

    def _take_ticket(self, conversation_id: str, lifetime: float) -> Ticket:
        def take(lock: TicketLock | None) -> tuple[Ticket, TicketLock]:
            lock = lock or TicketLock(conversation_id)
            number = lock.issue_ticket(lifetime)
            return next(t for t in lock.tickets if t.number == number), lock

        return self._change(conversation_id, take)

    @override
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._take_ticket(conversation_id, lock_lifetime).number

    @override
    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, drop_expired)

    @override
    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Return the ticket; the lock goes when nobody else holds one."""

        def give_back(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, give_back)

    # --- waiting --------------------------------------------------------------------------------------

    @override
    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        held = [self._take_ticket(conversation_id, lock_lifetime)]  # the current ticket, for the cleanup
        try:
            yield await self._wait_for_turn(conversation_id, lock_lifetime, wait_time_in_seconds, held)
        finally:
            self.cleanup(conversation_id, held[0].number)

    async def _wait_for_turn(
        self, conversation_id: str, lifetime: float, wait: float, held: list[Ticket]
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            mine = held[0]
            if lock is None or all((t.number, t.expires) != (mine.number, mine.expires) for t in lock.tickets):
                # Our ticket expired while we waited (and may even be gone with its lock): queue again.
                held[0] = self._take_ticket(conversation_id, lifetime)
                continue
            if not lock.is_locked(mine.number):
                return lock
            await asyncio.sleep(wait)
            self.update_lock(conversation_id)
