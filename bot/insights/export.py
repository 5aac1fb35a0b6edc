"""The questions as a CSV file that Danish Excel opens as it is: ``python -m bot report`` and the workbench both.

Danish Excel reads a double-clicked CSV with the list separator of the Danish locale (``;``), guesses the
encoding from a byte order mark (without one æ/ø/å come out garbled), and reads numbers with a decimal comma
(``0.450`` would become 450). Cells that begin like a formula (``=``, ``+``, ``-``, ``@``) get a leading
apostrophe, so a leader's question can never run as a formula in HR's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.insights.data import Question

SEPARATOR = ";"
BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_FIELDS = ("timestamp", "sender_id", "channel", "question", "intent", "confidence", "outcome", "unit_id",
              "feedback", "feedback_comment")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell Excel shows as text: a value that would start a formula gets a leading apostrophe.

    Args:
        value: The text (a question, a comment, an id).

    Returns:
        The value, prefixed with ``'`` if it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.
    """
    return f"'{value}" if value.startswith(FORMULA_START) else value


def decimal(value: float, places: int = 3) -> str:
    """A number with a decimal comma (``0,450``), as Danish Excel reads numbers.

    Args:
        value: The number.
        places: Digits after the comma.

    Returns:
        The number as text.
    """
    return f"{value:.{places}f}".replace(".", ",")


def questions_csv(questions: Iterable[Question]) -> bytes:
    """One row per question, ``;``-separated, UTF-8 with a byte order mark and CRLF line ends.

    Args:
        questions: The questions to write, in the order they are to appear.

    Returns:
        The whole file.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for q in questions:
        writer.writerow([q.timestamp.isoformat(timespec="seconds"), cell(q.sender_id), cell(q.channel),
                         cell(q.text), cell(q.intent), decimal(q.confidence), q.outcome, cell(q.unit_id or ""),
                         q.feedback, cell(q.comment)])
    return (BOM + buffer.getvalue()).encode("utf-8")
