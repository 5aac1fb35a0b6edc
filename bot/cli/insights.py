"""``python -m bot report`` and ``privacy purge``: what HR reads and what the retention period removes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete conversation events and feedback older than ``--older-than``; exit 2 for an age it cannot read."""
    from bot.insights.purge import parse_age, purge
    from bot.insights.tables import tracker_db_url
    from bot.knowledge.db import database_url, make_engine

    try:
        age = parse_age(args.older_than)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    result = purge(make_engine(tracker_db_url()), make_engine(database_url()), age)
    print(f"Slettet: {result.events} samtalehændelser og {result.feedback} tilbagemeldinger "
          f"ældre end {args.older_than}.")
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
    purge_cmd.set_defaults(func=cmd_purge)

    report = sub.add_parser("report", help="HR-rapport over spørgsmål, svar og tilbagemeldinger (HTML + CSV)")
    report.add_argument("--since", help="fra og med dato/tid, UTC (standard: 30 dage før --until)")
    report.add_argument("--until", help="til (ikke med) dato/tid, UTC (standard: nu)")
    report.add_argument("--out", default="results/report", help="mappe til report.html og questions.csv")
    report.set_defaults(func=cmd_report)
