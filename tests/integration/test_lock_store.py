"""The Redis lock store (bot/rasa/lock_store.py) against the real Redis of scripts/redis.sh (make unit starts it).

The case: a Rasa server died holding a conversation's ticket; the next message for that conversation
(on the other server) waits. Both tickets expire within one poll of the waiting loop."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis
from rasa.core.lock_store import RedisLockStore

from bot.rasa.lock_store import TicketLockStore

PORT = int(os.environ.get("REDIS_PORT", "63790"))
LIFETIME = 1.0
POLL = 2.0  # longer than the lifetime: the dead ticket and the waiter's expire within one poll


@pytest.fixture(scope="module")
def redis_port() -> int:
    try:
        redis.Redis(port=PORT, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"no Redis on 127.0.0.1:{PORT}: start it with scripts/redis.sh (make unit does)")
    return PORT


async def next_message(store: RedisLockStore, conversation: str) -> str:
    store.issue_ticket(conversation, LIFETIME)  # the dead server's ticket, never cleaned up
    await asyncio.sleep(0.05)
    async with store.lock(conversation, lock_lifetime=LIFETIME, wait_time_in_seconds=POLL):
        return "served"


def test_rasa_own_store_waits_for_ever_after_a_dead_servers_ticket(redis_port: int) -> None:
    store = RedisLockStore(host="127.0.0.1", port=redis_port, key_prefix="testrasa")
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(next_message(store, uuid.uuid4().hex), timeout=3 * POLL))


def test_the_next_message_is_served_once_the_dead_ticket_expired(redis_port: int) -> None:
    store = TicketLockStore(host="127.0.0.1", port=str(redis_port), password="", key_prefix="testbot")
    conversation = uuid.uuid4().hex
    assert asyncio.run(asyncio.wait_for(next_message(store, conversation), timeout=3 * POLL)) == "served"
    assert store.get_lock(conversation) is None  # cleaned up: nothing left to block the next message


def test_messages_of_one_conversation_are_still_served_one_at_a_time(redis_port: int) -> None:
    store = TicketLockStore(host="127.0.0.1", port=redis_port, key_prefix="testbot")
    conversation, inside, most = uuid.uuid4().hex, [0], [0]

    async def turn() -> None:
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.02):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.05)
            inside[0] -= 1

    async def many() -> None:
        await asyncio.gather(*(turn() for _ in range(8)))

    asyncio.run(many())
    assert most[0] == 1


def test_two_servers_taking_tickets_at_once_lose_none(redis_port: int) -> None:
    """Two Rasa servers (two stores), many messages for one conversation at the same moment."""
    from concurrent.futures import ThreadPoolExecutor

    servers = [TicketLockStore(host="127.0.0.1", port=redis_port, key_prefix="testbot") for _ in range(2)]
    conversation = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(lambda i: servers[i % 2].issue_ticket(conversation, 30), range(64)))
    lock = servers[0].get_lock(conversation)
    assert lock is not None
    assert sorted(numbers) == sorted(set(numbers)) and {t.number for t in lock.tickets} == set(numbers)
    for number in numbers:
        servers[number % 2].cleanup(conversation, number)
    assert servers[0].get_lock(conversation) is None
