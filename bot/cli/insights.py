"""``python -m bot report`` and ``privacy purge|export|delete``: the HR report and the privacy tools.

The report is what HR reads; purge is the retention period; export and delete answer a data subject's request.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete conversation events and feedback older than ``--older-than``; exit 2 for an age it cannot read.

    With ``--every`` it repeats at that interval until stopped: the retention job of ``make run-prod`` and the
    deployment (a Compose service), so retention runs by itself rather than when someone remembers cron.
    """
    import time

    from bot.insights.purge import parse_age, purge
    from bot.insights.tables import tracker_db_url
    from bot.knowledge.db import database_url, make_engine

    try:
        age = parse_age(args.older_than)
        every = parse_age(args.every).total_seconds() if args.every else None
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    while True:
        result = purge(make_engine(tracker_db_url()), make_engine(database_url()), age)
        print(f"Slettet: {result.events} samtalehændelser og {result.feedback} tilbagemeldinger "
              f"ældre end {args.older_than}.", flush=True)
        if every is None:
            return 0
        time.sleep(every)


def cmd_subject(args: argparse.Namespace) -> int:
    """Export (``--out`` or stdout, JSON) or delete everything stored about one conversation."""
    import json

    from bot.insights.subject import delete_conversation, export_conversation
    from bot.insights.tables import tracker_db_url
    from bot.knowledge.db import database_url, make_engine

    tracker, feedback = make_engine(tracker_db_url()), make_engine(database_url())
    if args.action == "delete":
        erased = delete_conversation(tracker, feedback, args.sender)
        print(f"Slettet for {args.sender}: {erased.events} samtalehændelser og {erased.feedback} tilbagemeldinger.")
        return 0
    text = json.dumps(export_conversation(tracker, feedback, args.sender), ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"Skrevet: {args.out}")
    else:
        print(text)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HR report (HTML) and the questions (CSV) for ``--since`` to ``--until`` (default: the last 30 days)."""
    from datetime import datetime, timedelta, timezone

    from bot.insights.report import build_report, parse_moment
    from bot.insights.tables import tracker_db_url

    try:
        end = parse_moment(args.until) if args.until else datetime.now(timezone.utc)
        start = parse_moment(args.since) if args.since else end - timedelta(days=30)
    except ValueError as error:
        print(f"Ugyldig dato: {error} (brug fx 2026-11-01)", file=sys.stderr)
        return 2
    if start >= end:
        print("--since skal ligge før --until.", file=sys.stderr)
        return 2
    report, questions = build_report(tracker_db_url(), start, end, Path(args.out))
    print(f"Rapport skrevet: {report}")
    print(f"Spørgsmål (CSV): {questions}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``privacy purge`` and ``report``."""
    privacy = sub.add_parser("privacy", help="persondata").add_subparsers(dest="action", required=True)
    purge_cmd = privacy.add_parser("purge", help="slet samtaler og tilbagemeldinger ældre end en periode")
    purge_cmd.add_argument("--older-than", required=True, help="fx 90d, 12w eller 6m")
    purge_cmd.add_argument("--every", help="gentag med dette interval, til den stoppes (fx 1d)")
    purge_cmd.set_defaults(func=cmd_purge)
    export = privacy.add_parser("export", help="alt, der er gemt om én samtale, som JSON (indsigtsret)")
    export.add_argument("--sender", required=True, help="samtalens sender-id")
    export.add_argument("--out", help="fil at skrive til (standard: skærmen)")
    export.set_defaults(func=cmd_subject)
    delete = privacy.add_parser("delete", help="slet alt, der er gemt om én samtale (retten til sletning)")
    delete.add_argument("--sender", required=True, help="samtalens sender-id")
    delete.set_defaults(func=cmd_subject)

    report = sub.add_parser("report", help="HR-rapport over spørgsmål, svar og tilbagemeldinger (HTML + CSV)")
    report.add_argument("--since", help="fra og med dato/tid, UTC (standard: 30 dage før --until)")
    report.add_argument("--until", help="til (ikke med) dato/tid, UTC (standard: nu)")
    report.add_argument("--out", default="results/report", help="mappe til report.html og questions.csv")
    report.set_defaults(func=cmd_report)
