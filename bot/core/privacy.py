"""Keep personal data out of storage: mask CPR numbers, e-mail addresses and phone numbers; pseudonymise ids."""

from __future__ import annotations

import hashlib
import hmac
import re

# CPR: ddmmyy-xxxx or ddmmyyxxxx, with a plausible day and month.
CPR = re.compile(r"\b(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Danish numbers: 8 digits, optionally +45/0045, written together or in groups of 2/4.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)45[ -]?)?(?:\d{2}[ -]?){3}\d{2}(?!\w)")

MASKS = ((CPR, "[CPR]"), (EMAIL, "[E-MAIL]"), (PHONE, "[TELEFON]"))


def mask(text: str | None) -> str | None:
    """The text with CPR numbers, e-mail addresses and phone numbers replaced by placeholders."""
    if not text:
        return text
    for pattern, placeholder in MASKS:
        text = pattern.sub(placeholder, text)
    return text


def pseudonym(channel_id: str, key: bytes) -> str:
    """A keyed hash of a channel's user id (a Teams AAD object id, a Telegram chat id) as Rasa's sender id.

    The tracker store then holds no id that names a person: only whoever has ``key`` (SENDER_ID_KEY) can link a
    conversation to a user, by hashing that user's id again. The same user always gets the same pseudonym, so
    follow-up questions and feedback still find their conversation.
    """
    return "p-" + hmac.new(key, channel_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
