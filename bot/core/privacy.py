"""Mask personal data (CPR numbers, e-mail addresses, phone numbers) before anything is stored."""

from __future__ import annotations

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
