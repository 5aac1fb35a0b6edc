"""``python -m bot telegram …``: register or remove the Telegram webhook, register the commands, show status.

    python -m bot telegram set-webhook --url https://bot.example.dk/webhooks/telegram/webhook
    python -m bot telegram delete-webhook
    python -m bot telegram info
    python -m bot telegram set-commands

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_MODE and TELEGRAM_API_BASE_URL from the
environment, or from .env (the environment wins). Starting Rasa never calls Telegram; this does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot, BotCommand
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.rasa.channels.telegram.client import BotClient
from bot.rasa.channels.telegram.settings import ALLOWED_UPDATES, DEFAULT_BASE_URL, SECRET_PATTERN, WEBHOOK_PATH
from bot.rasa.channels.telegram.text import BOT_COMMANDS
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram delivers webhooks to


class CliError(Exception):
    """A message for the user (Danish / English) and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        """``message`` is printed after "Fejl:"; ``status`` is the exit status (2: wrong settings)."""
        super().__init__(message)
        self.status = status


def require_token(env: Mapping[str, str]) -> str:
    """TELEGRAM_BOT_TOKEN, or a CliError that says where to get one."""
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise CliError(
            "TELEGRAM_BOT_TOKEN er ikke sat (i miljøet eller .env). Opret en bot hos @BotFather i Telegram og "
            "sæt tokenet, se docs/telegram.md.\n"
            "TELEGRAM_BOT_TOKEN is not set (environment or .env); get a token from @BotFather.", 2)
    return token


def require_secret(env: Mapping[str, str]) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or a CliError that says how to make one and which characters Telegram takes.

    A webhook is never registered without a secret: the running bot refuses updates without it.
    """
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if not secret:
        raise CliError(
            "TELEGRAM_WEBHOOK_SECRET er ikke sat. Telegram sender den med hver webhook-besked, og botten afviser "
            "beskeder uden den. Lav en med\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
            "og sæt den i .env (den samme værdi skal bruges af den kørende bot).\n"
            "TELEGRAM_WEBHOOK_SECRET is not set; generate one as above and put it in .env.", 2)
    if not SECRET_PATTERN.fullmatch(secret):
        raise CliError(
            "TELEGRAM_WEBHOOK_SECRET må kun bestå af 1-256 tegn A-Z, a-z, 0-9, _ og -.\n"
            "TELEGRAM_WEBHOOK_SECRET may only contain 1-256 characters A-Z, a-z, 0-9, _ and -.", 2)
    return secret


def check_url(url: str) -> list[str]:
    """Errors for a URL Telegram will not deliver to; warnings (returned) for a path that looks wrong."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise CliError(
            f"Webhook-URL'en skal være en offentlig https://-adresse, ikke {url!r}.\n"
            "The webhook URL must be a public https:// address "
            f"(e.g. https://bot.example.dk{WEBHOOK_PATH}).", 2)
    try:
        port = parts.port or 443
    except ValueError as error:
        raise CliError(f"Ugyldig port i {url!r} / invalid port: {error}", 2) from None
    if port not in WEBHOOK_PORTS:
        raise CliError(
            f"Telegram sender kun webhooks til port 443, 80, 88 eller 8443, ikke {port}.\n"
            "Telegram only delivers webhooks to ports 443, 80, 88 or 8443.", 2)
    warnings = []
    if not parts.path.rstrip("/").endswith(WEBHOOK_PATH):
        warnings.append(
            f"Advarsel: stien er ikke {WEBHOOK_PATH}; den skal nå Rasas {WEBHOOK_PATH}. "
            f"/ Warning: the path should reach Rasa's {WEBHOOK_PATH}.")
    return warnings


def _redact(text: str, token: str) -> str:
    return text.replace(token, "<TELEGRAM_BOT_TOKEN>") if token else text


async def _call(client: BotClient, base_url: str, action: Callable[[], Awaitable[int]]) -> int:
    token = client.bot.token
    try:
        return await action()
    except InvalidToken:
        raise CliError(
            "Telegram afviste TELEGRAM_BOT_TOKEN (Unauthorized). Tjek tokenet hos @BotFather (/mybots → API Token).\n"
            "Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized).") from None
    except Forbidden as error:
        raise CliError(f"Telegram nægtede: {_redact(error.message, token)}\nTelegram refused the call.") from None
    except BadRequest as error:
        raise CliError(
            f"Telegram afviste kaldet: {_redact(error.message, token)}\nTelegram rejected the request.") from None
    except (TimedOut, NetworkError) as error:
        raise CliError(
            f"Kunne ikke nå Telegram på {base_url} ({_redact(str(error), token)}). Tjek netværk/proxy og "
            f"TELEGRAM_API_BASE_URL.\nCould not reach the Telegram Bot API at {base_url}.") from None
    except TelegramError as error:
        raise CliError(f"Telegram svarede med en fejl: {_redact(error.message, token)}\n"
                       "Telegram returned an error.") from None
    finally:
        await client.close()


def _commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in BOT_COMMANDS]


@dataclass(frozen=True)
class Call:
    """What one command needs: the bot, the command line, and the settings read from the environment."""

    bot: Bot
    args: argparse.Namespace
    base_url: str
    mode: str
    secret: str = ""


async def set_webhook(call: Call) -> int:
    """``set-webhook``: register the URL with the secret (and, unless --no-commands, the commands)."""
    args, bot = call.args, call.bot
    me = await bot.get_me()
    await bot.set_webhook(
        url=args.url, secret_token=call.secret, allowed_updates=list(ALLOWED_UPDATES),
        drop_pending_updates=args.drop_pending_updates or None,
    )
    print(f"Webhook sat for @{me.username}: {args.url}")
    print("Telegram sender nu beskeder dertil med TELEGRAM_WEBHOOK_SECRET i headeren "
          "X-Telegram-Bot-Api-Secret-Token; botten skal køre med samme hemmelighed.")
    if not args.no_commands:
        await bot.set_my_commands(_commands())
        print("Kommandoer registreret: " + ", ".join(f"/{name}" for name, _ in BOT_COMMANDS))
    if call.mode == "polling":
        print("Bemærk: TELEGRAM_MODE=polling. Mens en webhook er sat, kan botten ikke polle; sæt "
              "TELEGRAM_MODE=webhook (eller kør delete-webhook). / Note: polling does not work while a "
              "webhook is set.", file=sys.stderr)
    return 0


async def delete_webhook(call: Call) -> int:
    """``delete-webhook``: remove the webhook, so that the bot can poll."""
    me = await call.bot.get_me()
    await call.bot.delete_webhook(drop_pending_updates=call.args.drop_pending_updates or None)
    print(f"Webhook slettet for @{me.username}. Brug TELEGRAM_MODE=polling, eller sæt en ny webhook.")
    return 0


async def info(call: Call) -> int:
    """``info``: the bot, the webhook Telegram has and what is waiting; warns when it does not fit the mode."""
    me = await call.bot.get_me()
    hook = await call.bot.get_webhook_info()
    print(f"Bot:        @{me.username} ({me.first_name}, id {me.id})")
    print(f"API:        {call.base_url}")
    print(f"Tilstand:   TELEGRAM_MODE={call.mode}")
    print(f"Webhook:    {hook.url or '(ingen - polling er muligt)'}")
    print(f"Venter:     {hook.pending_update_count} opdateringer")
    if hook.allowed_updates:
        print(f"Typer:      {', '.join(hook.allowed_updates)}")
    if hook.last_error_message:
        print(f"Sidste fejl: {hook.last_error_message} ({hook.last_error_date})")
    if call.mode == "webhook" and not hook.url:
        print("Ingen webhook er sat: kør `python -m bot telegram set-webhook --url https://…"
              f"{WEBHOOK_PATH}`.", file=sys.stderr)
    if call.mode == "polling" and hook.url:
        print("En webhook er sat, så polling virker ikke: kør `python -m bot telegram delete-webhook`.",
              file=sys.stderr)
    return 0


async def set_commands(call: Call) -> int:
    """``set-commands``: register /start and /hjaelp (set-webhook does this too; polling needs it alone)."""
    me = await call.bot.get_me()
    await call.bot.set_my_commands(_commands())
    print(f"Kommandoer registreret for @{me.username}: "
          + ", ".join(f"/{name}" for name, _ in BOT_COMMANDS))
    return 0


ACTIONS: dict[str, Callable[[Call], Awaitable[int]]] = {
    "set-webhook": set_webhook,
    "delete-webhook": delete_webhook,
    "info": info,
    "set-commands": set_commands,
}


async def _run_action(args: argparse.Namespace, token: str, base_url: str, mode: str, secret: str) -> int:
    """One Bot API session for the command; errors become a CliError without the token in it."""
    client = BotClient(token, base_url)
    call = Call(client.bot, args, base_url, mode, secret)
    return await _call(client, base_url, lambda: ACTIONS[args.action](call))


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run the command in ``args`` with the TELEGRAM_* settings in ``env``; returns the exit status.

    The settings are checked before any call to Telegram: a missing token or secret, or a webhook URL
    Telegram will not deliver to, is a CliError (status 2) and Telegram is never asked.
    """
    token = require_token(env)
    base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_BASE_URL
    mode = env.get("TELEGRAM_MODE", "").strip().lower() or "webhook"
    secret = ""
    warnings: list[str] = []
    if args.action == "set-webhook":
        warnings = check_url(args.url)
        secret = require_secret(env)
    for warning in warnings:
        print(warning, file=sys.stderr)
    return asyncio.run(_run_action(args, token, base_url, mode, secret))


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m bot telegram`` command line (every subcommand takes --env-file)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env-file", default=argparse.SUPPRESS,
                        help="fil med TELEGRAM_*-variabler (standard: .env); miljøet går forud")
    parser = argparse.ArgumentParser(
        prog="python -m bot telegram", parents=[common],
        description="Telegram-kanalen: webhook og kommandoer (læser TELEGRAM_* fra miljøet eller .env)")
    sub = parser.add_subparsers(dest="action", required=True)
    hook = sub.add_parser("set-webhook", parents=[common],
                          help="registrér webhook-URL'en (med TELEGRAM_WEBHOOK_SECRET) og kommandoerne")
    hook.add_argument("--url", required=True, help=f"offentlig https-adresse, der ender på {WEBHOOK_PATH}")
    hook.add_argument("--drop-pending-updates", action="store_true", help="glem beskeder, der venter")
    hook.add_argument("--no-commands", action="store_true", help="registrér ikke /start og /hjaelp")
    delete = sub.add_parser("delete-webhook", parents=[common], help="slet webhooken (før polling)")
    delete.add_argument("--drop-pending-updates", action="store_true", help="glem beskeder, der venter")
    sub.add_parser("info", parents=[common], help="vis bot, webhook og ventende beskeder")
    sub.add_parser("set-commands", parents=[common], help="registrér /start og /hjaelp (fx ved polling)")
    return parser


def main(argv: list[str]) -> int:
    """Entry point of ``python -m bot telegram``: settings from the environment and .env, errors as "Fejl: …"."""
    args = build_parser().parse_args(argv)
    try:
        env_file = Path(getattr(args, "env_file", ROOT / ".env"))
        return run(args, Settings.from_env(env_file=env_file).env)
    except CliError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return error.status
