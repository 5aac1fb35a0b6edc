"""A local fake of the Telegram Bot API (https://core.telegram.org/bots/api) for the tests.

It answers ``POST|GET /bot<token>/<method>`` with form, multipart or JSON parameters (python-telegram-bot
sends form fields, complex values JSON-encoded), returns Bot API JSON (``{"ok": true, "result": …}`` or
``{"ok": false, "error_code": …, "description": …}``) and records every call. It enforces what the real
API enforces for the methods the channel uses: the token (401), message length (4096 UTF-16 units),
callback_data (1-64 bytes), an HTTPS webhook URL and secret token characters, command names, and
getUpdates' conflict with an active webhook (409). getUpdates serves queued updates with offset
confirmation and long polling.

Runs in a background thread, so both synchronous tests and a separate Rasa process can use it::

    with FakeTelegram(port=0) as fake:       # ephemeral port; fake.base_url for TELEGRAM_API_BASE_URL
        ...
        fake.wait_for("sendMessage", lambda p: p["chat_id"] == 42)

``python -m tests.fakes.telegram --port 5072`` runs it on its own and prints the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.channel_env import TELEGRAM_FAKE_PORT, TELEGRAM_TOKEN

BOT_USER = {
    "id": int(TELEGRAM_TOKEN.split(":")[0]),
    "is_bot": True,
    "first_name": "Lederassistenten",
    "username": "lederassistent_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
USER = {"id": 1001, "is_bot": False, "first_name": "Lene", "language_code": "da"}

INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections", "cache_time"}
BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
JSON_FIELDS = {
    "reply_markup", "allowed_updates", "commands", "entities", "link_preview_options", "reply_parameters",
    "scope",
}
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    """Form values are strings; Telegram reads numbers, booleans and JSON objects out of them."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                value = json.loads(value)
            elif key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif key in BOOL_FIELDS:
                value = value.lower() == "true"
        out[key] = value
    return out


class FakeTelegram:
    def __init__(self, token: str = TELEGRAM_TOKEN, host: str = "127.0.0.1", port: int = 0,
                 echo: bool = False) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.echo = echo
        self._lock = threading.Condition()
        self._calls: list[dict[str, Any]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_000)
        self._message_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._new_update: asyncio.Event | None = None
        self._epoch = 0  # reset() starts a new one: calls still running from before are not recorded
        self._polls = 0  # a new getUpdates ends the one waiting (409), as at Telegram

    # --- life cycle ---

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE_URL / ptb's ``base_url`` (the token is appended)."""
        return f"http://{self.host}:{self.port}/bot"

    def start(self) -> FakeTelegram:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start())
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise RuntimeError(f"fake Telegram could not listen on {self.host}:{self.port}: {failure[0]}")
        return self

    async def _start(self) -> None:
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll whose client went away ends, as at Telegram
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- what the tests use ---

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Recorded calls (``{"method", "params", "ok", "result"}``), optionally of one method."""
        with self._lock:
            return [dict(c) for c in self._calls if method is None or c["method"] == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of the successful sendMessage calls (to one chat)."""
        return [c["params"] for c in self.calls("sendMessage")
                if c["ok"] and (chat_id is None or c["params"].get("chat_id") == chat_id)]

    def wait_for(self, method: str, predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
                 timeout: float = 15.0, ok: bool | None = None) -> dict[str, Any]:
        """The first recorded call of ``method`` whose params satisfy ``predicate`` (and that succeeded
        or failed, if ``ok`` is given); waits for it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self._calls:
                    if call["method"] == method and predicate(call["params"]) and ok in (None, call["ok"]):
                        return dict(call)
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c["method"], c["params"]) for c in self._calls]
                    raise AssertionError(f"no {method} call matching within {timeout} s; calls: {seen}")
                self._lock.wait(left)

    def reset(self) -> None:
        with self._lock:
            self._epoch += 1
            self._calls.clear()
            self._updates.clear()
            self.webhook = {}
            self.commands = []

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (polling)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    # --- the API ---

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        epoch = self._epoch
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        params = _decode(params)
        if token != self.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            self._record(epoch, method, params, False, None)
            return web.json_response(body, status=status)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            self._record(epoch, method, params, False, None)
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            result = await handler(params)
        except ApiError as error:
            self._record(epoch, method, params, False, error.description)
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return web.json_response(body, status=error.code)
        self._record(epoch, method, params, True, result)
        return web.json_response({"ok": True, "result": result})

    def _record(self, epoch: int, method: str, params: dict[str, Any], ok: bool, result: Any) -> None:
        with self._lock:
            if epoch != self._epoch:
                return
            self._calls.append({"method": method, "params": params, "ok": ok, "result": result})
            self._lock.notify_all()
        if self.echo:
            print(f"{method} ok={ok} {json.dumps(params, ensure_ascii=False)[:500]}", flush=True)

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        if params.get("parse_mode") not in (None, "HTML", "MarkdownV2", "Markdown"):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        markup = params.get("reply_markup")
        self._check_markup(markup)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": USER["first_name"]},
            "date": int(time.time()),
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = message
        return message

    def _check_markup(self, markup: Any) -> None:
        if not markup:
            return
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in rows:
            for key in row:
                if not key.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = key.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._messages.get((int(params.get("chat_id") or 0), int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._check_markup(params.get("reply_markup"))
        message = dict(message)
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        self.webhook = {k: params[k] for k in ("url", "secret_token", "allowed_updates", "max_connections")
                        if k in params} if url else {}
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            pending = len(self._updates)
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            info["ip_address"] = "203.0.113.10"
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty")
        self.commands = commands
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        self._polls += 1
        poll = self._polls
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            assert self._new_update is not None
            self._new_update.clear()
            with self._lock:
                if isinstance(offset, int):  # confirms every update before offset
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            if poll != self._polls:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=left)


# --- Telegram Update JSON, as Telegram sends it --------------------------------------------------------


def message_update(update_id: int, chat_id: int, text: str, message_id: int = 1) -> dict[str, Any]:
    """A private-chat text message; a leading /command gets its bot_command entity like Telegram's."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": dict(USER, id=chat_id),
        "chat": {"id": chat_id, "first_name": USER["first_name"], "type": "private"},
        "date": int(time.time()),
        "text": text,
    }
    command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text)
    if command:
        message["entities"] = [{"offset": 0, "length": utf16_length(command.group(0)), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    """The user pressed a button with ``data`` under the bot's ``message`` (a sendMessage result)."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"{chat_id}{update_id}",
            "from": dict(USER, id=chat_id),
            "message": message,
            "chat_instance": f"-{chat_id}77",
            "data": data,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API for local tests")
    parser.add_argument("--port", type=int, default=TELEGRAM_FAKE_PORT)
    parser.add_argument("--token", default=TELEGRAM_TOKEN)
    args = parser.parse_args()
    fake = FakeTelegram(token=args.token, port=args.port, echo=True).start()
    print(f"Fake Telegram Bot API on {fake.base_url}<token>/<method> (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
