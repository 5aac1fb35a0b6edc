"""Long polling (TELEGRAM_MODE=polling): for local development without a public URL.

When Rasa's server has started, :class:`Poller` calls ``getUpdates`` in a background task and hands
every update to the channel; it stops on shutdown and confirms the updates it handled, so they are not
delivered again at the next start. Polling and a webhook cannot both be active at Telegram: while a
webhook is set, getUpdates answers 409 Conflict and the log says how to remove the webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.rasa.channels.telegram.client import BotClient, retry_after_seconds
from bot.rasa.channels.telegram.settings import ALLOWED_UPDATES

logger = logging.getLogger(__name__)

HandleUpdate = Callable[[Update], Awaitable[None]]


class Poller:
    """The getUpdates loop of one channel: poll, hand over each update, back off on errors."""

    def __init__(
        self,
        client: Callable[[], BotClient],
        handle: HandleUpdate,
        *,
        timeout: int = 30,
        retry_delay: float = 1.0,
        max_retry_delay: float = 60.0,
        stop_grace: float = 10.0,
    ) -> None:
        """Poll with ``client()`` and pass each update to ``handle`` (which must not raise).

        Args:
            client: the channel's Bot client for the running loop.
            handle: what to do with one update (the channel's ``handle_update``).
            timeout: seconds Telegram holds a getUpdates call open.
            retry_delay: the first back-off after a failed getUpdates; it doubles up to ``max_retry_delay``.
            max_retry_delay: the longest back-off.
            stop_grace: seconds an update being handled may take to finish when the server stops.
        """
        self._client = client
        self._handle = handle
        self.timeout = timeout
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.stop_grace = stop_grace
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None
        self._busy = False

    def start(self) -> asyncio.Task[None]:
        """Run :meth:`run` as a task of the running loop (Sanic's, after the server has started)."""
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    async def run(self) -> None:
        """Long-poll getUpdates until :meth:`stop`; every update goes to the channel's handler.

        A token Telegram rejects ends the loop (no retry can fix it); any other failure is retried
        after a back-off, so a network outage does not stop the bot for good.
        """
        delay = self.retry_delay
        logger.info("Telegram: polling getUpdates (TELEGRAM_MODE=polling)")
        while not self._stop.is_set():
            try:
                updates = await self._client().bot.get_updates(
                    offset=self._offset, timeout=self.timeout, allowed_updates=list(ALLOWED_UPDATES)
                )
            except InvalidToken:
                logger.error("Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): polling stopped.")
                return
            except Exception as error:  # conflict, rate limit, network down, Telegram errors
                delay = await self._back_off(error, delay)
                continue
            delay = self.retry_delay
            await self._hand_over(updates)
        logger.info("Telegram: polling stopped")

    async def _back_off(self, error: Exception, delay: float) -> float:
        """Wait after a failed getUpdates; returns the back-off for the next failure."""
        if isinstance(error, RetryAfter):
            await self._pause(retry_after_seconds(error))
            return delay
        if isinstance(error, Conflict):
            logger.error(
                "Telegram: %s. Polling and a webhook cannot both be active: run "
                "`python -m bot telegram delete-webhook`, or use TELEGRAM_MODE=webhook.", error.message
            )
        else:
            logger.warning("Telegram: getUpdates failed (%s); retrying in %.0f s", error, delay)
        await self._pause(delay)
        return min(delay * 2, self.max_retry_delay)

    async def _hand_over(self, updates: Sequence[Update]) -> None:
        """Handle one batch in order, each update confirmed by the next getUpdates (its offset)."""
        self._busy = True
        try:
            for update in updates:
                if self._stop.is_set():
                    break
                self._offset = update.update_id + 1
                await self._handle(update)
        finally:
            self._busy = False

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def stop(self) -> None:
        """Stop the loop and confirm the handled updates to Telegram.

        An answer being sent may finish (up to ``stop_grace``); a waiting getUpdates is simply
        cancelled. The confirmation is one getUpdates with the next offset, so that the updates are
        not delivered again at the next start.
        """
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            if self._busy:
                with contextlib.suppress(asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(asyncio.shield(task), timeout=self.stop_grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._offset is not None:
            with contextlib.suppress(TelegramError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    self._client().bot.get_updates(offset=self._offset, timeout=0, limit=1), timeout=5.0
                )
