"""Latency of one user and throughput of many concurrent conversations over Rasa's REST channel."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass

import aiohttp


@dataclass
class LoadResult:
    turns: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _conversation(session: aiohttp.ClientSession, url: str, questions: list[str], result: LoadResult,
                        expect_text: bool) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    for question in questions:
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": question}) as response:
                body = await response.json(content_type=None) if response.status == 200 else None
            ok = response.status == 200 and isinstance(body, list) and (bool(body) or not expect_text)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok = False
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        if ok:
            result.turns += 1
        else:
            result.errors += 1


async def _run(base_url: str, conversations: list[list[str]], expect_text: bool) -> LoadResult:
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(0, 0, 0.0, [])
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(_conversation(session, url, c, result, expect_text) for c in conversations))
        result.seconds = time.perf_counter() - start
    return result


def single_user(base_url: str, questions: list[str], expect_text: bool = True) -> LoadResult:
    """One user asking each question in a fresh conversation, one after the other."""
    async def each() -> LoadResult:
        total = LoadResult(0, 0, 0.0, [])
        for question in questions:
            part = await _run(base_url, [[question]], expect_text)
            total.turns += part.turns
            total.errors += part.errors
            total.seconds += part.seconds
            total.latencies_ms += part.latencies_ms
        return total

    return asyncio.run(each())


def concurrent(base_url: str, questions: list[str], users: int = 20, turns_each: int = 10,
               expect_text: bool = True) -> LoadResult:
    """`users` conversations at once, each asking `turns_each` questions back to back."""
    conversations = [[questions[(u * 7 + t) % len(questions)] for t in range(turns_each)] for u in range(users)]
    return asyncio.run(_run(base_url, conversations, expect_text))
