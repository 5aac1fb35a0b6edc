"""Text as Telegram takes it: lengths in UTF-16 units, long answers split, commands read as intents.

Replies are sent as plain text (no parse_mode), so nothing is escaped and the text is exactly the
bot's; only its length matters. Telegram's commands map to the bot's intents so that the replies come
from domain.yml like every other answer.
"""

from __future__ import annotations

import re

MAX_TEXT = 4096  # Telegram counts UTF-16 code units

# Telegram commands -> the bot's intents; the replies come from domain.yml. Telegram only lets a bot
# register [a-z0-9_] commands, so /hjaelp is the registered one; /hjælp and /help work when typed.
COMMAND_INTENTS = {
    "start": "/greet",
    "hjaelp": "/bot_capabilities",
    "hjælp": "/bot_capabilities",
    "help": "/bot_capabilities",
}
# What `python -m bot telegram set-webhook` / `set-commands` registers (setMyCommands).
BOT_COMMANDS = (
    ("start", "Start og kort introduktion"),
    ("hjaelp", "Hvad kan lederassistenten svare på?"),
)
COMMAND = re.compile(r"^/(?P<name>[^\s@/]+)(?:@\w+)?(?:\s|$)")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (Telegram length) without rewording anything.

    The cut is on paragraph boundaries first, then lines, then spaces, so an answer's title, text and
    source line stay whole where they can; a single over-long word is cut between characters. A text
    of only whitespace gives no parts (Telegram refuses an empty message).
    """
    if telegram_length(text) <= limit:
        return [text] if text.strip() else []
    separator = next((sep for sep in ("\n\n", "\n", " ") if sep in text), None)
    if separator is None:
        return _cut(text, limit)
    parts: list[str] = []
    current = ""
    for chunk in text.split(separator):
        candidate = f"{current}{separator}{chunk}" if current else chunk
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current)
        if telegram_length(chunk) <= limit:
            current = chunk
        else:
            pieces = split_text(chunk, limit)
            parts.extend(pieces[:-1])
            current = pieces[-1] if pieces else ""
    if current.strip():
        parts.append(current)
    return parts


def _cut(text: str, limit: int) -> list[str]:
    """Cut between characters (never inside a surrogate pair) into parts of at most ``limit``."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = telegram_length(char)
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return [part for part in parts if part.strip()]


def command_text(text: str) -> str | None:
    """The intent a Telegram command stands for, or None when ``text`` is not one of the bot's commands.

    ``/start`` gives ``/greet``; ``/hjaelp`` (also ``/hjælp``, ``/help``, any case, and with
    ``@botnavn`` as Telegram adds in groups) gives ``/bot_capabilities``.
    """
    match = COMMAND.match(text.strip())
    return COMMAND_INTENTS.get(match.group("name").lower()) if match else None
