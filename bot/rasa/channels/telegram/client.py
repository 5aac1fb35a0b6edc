"""The python-telegram-bot ``Bot`` the channel and ``python -m bot telegram`` call the Bot API with.

Nothing here calls Telegram on its own: ``Bot.initialize()`` (which would call getMe) is never used, so
starting Rasa makes no request to Telegram. The HTTP clients belong to the event loop they were made
in; :class:`LoopClient` makes a new one when the channel is used from another loop (Sanic's, a test's).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest

from bot.rasa.channels.telegram.settings import DEFAULT_BASE_URL


class BotClient:
    """A python-telegram-bot ``Bot`` with its own HTTP clients.

    The request objects are ready on construction and closed by :meth:`close`; getUpdates has a client
    of its own, so a pending long poll does not hold a connection that replies need.
    """

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL) -> None:
        """Clients for ``base_url`` + ``token`` (no call is made)."""
        self.request = HTTPXRequest(connection_pool_size=16, pool_timeout=10.0, read_timeout=10.0)
        self.updates_request = HTTPXRequest(connection_pool_size=1, read_timeout=10.0)
        self.bot = Bot(token, base_url=base_url, request=self.request, get_updates_request=self.updates_request)

    async def close(self) -> None:
        """Close both HTTP clients."""
        await asyncio.gather(self.request.shutdown(), self.updates_request.shutdown())


class LoopClient:
    """One :class:`BotClient` for the running event loop, made on first use."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL) -> None:
        """Make clients for this token and Bot API address when they are first needed."""
        self.token = token
        self.base_url = base_url
        self._client: BotClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> BotClient:
        """The client for the running loop: a new one if the last was made in another loop.

        Outside a loop the last client is kept (or one made), as constructing one calls nothing.
        """
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._client is None or (loop is not None and self._loop is not loop):
            self._client = BotClient(self.token, self.base_url)
            self._loop = loop
        return self._client

    async def close(self) -> None:
        """Close the current client, if any; errors while closing are ignored (the server is stopping)."""
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):
                await client.close()


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (python-telegram-bot gives an int or a timedelta)."""
    period: int | float | timedelta = error.retry_after
    return period.total_seconds() if isinstance(period, timedelta) else float(period)
