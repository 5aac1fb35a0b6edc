"""Command line: ``python -m bot knowledge …``, ``nlu generate``, ``spacy build``, ``search``, ``report``,
``privacy purge``, ``channels credentials``, ``serve rasa|actions`` and the channel tools (``telegram``,
``teams``, ``widget``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.publish import KNOWLEDGE_DIR


def _report(error: KnowledgeError) -> int:
    print(f"Vidensfilerne har {len(error.problems)} fejl:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def cmd_check(args: argparse.Namespace) -> int:
    try:
        knowledge = load_knowledge(Path(args.dir))
    except KnowledgeError as error:
        return _report(error)
    print(f"OK: {len(knowledge.units)} enheder i {len(knowledge.documents)} dokumenter (version {knowledge.version}).")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from bot.knowledge.db import database_url, make_engine
    from bot.knowledge.publish import load_into

    url = args.db or database_url()
    try:
        result = load_into(make_engine(url), Path(args.dir), with_embeddings=None if args.embeddings else False)
    except KnowledgeError as error:
        _report(error)
        print("Intet er ændret: den tidligere viden er stadig aktiv.", file=sys.stderr)
        return 1
    semantic = "med" if result.embedded else "uden"
    print(f"Indlæst version {result.version}: {result.units} enheder fra {result.documents} dokumenter "
          f"({semantic} semantisk søgning) i {_safe(url)}.")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Check, load atomically, regenerate the NLU data and say whether the model must be retrained."""
    from bot.generate.nlu import GENERATED_DIR, generate

    status = cmd_load(args)
    if status != 0:
        return status
    written = generate(Path(args.dir), Path(args.nlu_dir) if args.nlu_dir else GENERATED_DIR)
    if written:
        print("Navne eller synonymer er ændret (" + ", ".join(p.name for p in written) + "). Svarene er live nu; "
              "kør `make train`, så sprogmodellen også genkender de nye navne.")
    else:
        print("Ingen nye navne eller synonymer: ingen ny træning nødvendig. Ændringen er live i den kørende bot.")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_nlu_generate(args: argparse.Namespace) -> int:
    from bot.generate.nlu import generate, stale_files

    try:
        if args.check:
            stale = stale_files(Path(args.dir))
            if stale:
                print("Forældede NLU-filer i nlu/generated/: " + ", ".join(stale)
                      + ". Kør `python -m bot nlu generate`.", file=sys.stderr)
                return 1
            print("nlu/generated/ er opdateret.")
            return 0
        written = generate(Path(args.dir))
    except KnowledgeError as error:
        return _report(error)
    print("Skrev: " + ", ".join(str(p) for p in written) if written else "nlu/generated/ var allerede opdateret.")
    return 0


def cmd_spacy_build(args: argparse.Namespace) -> int:
    from bot.generate.spacy_model import DEFAULT_DIR, save_pipeline

    print(f"spaCy-pipeline gemt i {save_pipeline(Path(args.target) if args.target else DEFAULT_DIR)}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from bot.knowledge.service import knowledge_service

    service = knowledge_service()
    for hit in service.index().search(args.query, limit=args.limit):
        print(f"{hit.score:.3f} lex={hit.lexical:.2f} cov={hit.coverage:.2f} ng={hit.ngram:.2f} "
              f"sem={hit.semantic:.3f}  {hit.unit.id}  {hit.unit.title}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
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


def cmd_channels_credentials(args: argparse.Namespace) -> int:
    from bot.generate.credentials import write_credentials
    from bot.settings import get_settings

    settings = write_credentials(Path(args.template), Path(args.out), get_settings().env)
    print(settings.summary())
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Validate the settings; ``export`` prints them as shell lines for scripts/run*.sh (one .env parser)."""
    from bot.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"Fejl i indstillingerne: {error}", file=sys.stderr)
        return 2
    if args.action == "export":
        print(settings.shell_exports(), end="")
    else:
        print(f"OK: {settings.env_file} og miljøet giver gyldige indstillinger.")
    return 0


# Tools with their own argument parsers; their arguments are passed on unparsed. The developer tools
# (tools/) are not part of the installed package: they run from a checkout.
CHANNEL_TOOLS = {
    "telegram": ("bot.cli.telegram", "Telegram: registrér/slet webhook, polling"),
    "teams": ("bot.cli.teams", "Microsoft Teams: byg app-pakken"),
    "widget": ("tools.widget_demo", "web-chat: demo-intranetside (udviklerværktøj)"),
    "eval": ("tools.evaluation", "svarkvalitet på evalueringssættene (udviklerværktøj)"),
    "bench": ("tools.bench.__main__", "ydelsesmålinger (udviklerværktøj)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Lederassistentens værktøjer")
    sub = parser.add_subparsers(dest="command", required=True)

    knowledge = sub.add_parser("knowledge", help="vidensfilerne").add_subparsers(dest="action", required=True)
    check = knowledge.add_parser("check", help="valider alle vidensfiler og vis alle fejl")
    check.add_argument("--dir", default=str(KNOWLEDGE_DIR))
    check.set_defaults(func=cmd_check)
    load = knowledge.add_parser("load", help="valider og indlæs i databasen i én transaktion")
    load.add_argument("--dir", default=str(KNOWLEDGE_DIR))
    load.add_argument("--db", help="database-URL (standard: KNOWLEDGE_DB_URL eller var/knowledge.db)")
    load.add_argument("--no-embeddings", dest="embeddings", action="store_false",
                      help="indlæs uden semantiske vektorer")
    load.set_defaults(func=cmd_load)
    publish = knowledge.add_parser(
        "publish", help="tjek, indlæs i én transaktion, generér NLU-data og sig om der skal trænes igen")
    publish.add_argument("--dir", default=str(KNOWLEDGE_DIR))
    publish.add_argument("--db", help="database-URL (standard: KNOWLEDGE_DB_URL eller var/knowledge.db)")
    publish.add_argument("--no-embeddings", dest="embeddings", action="store_false")
    publish.add_argument("--nlu-dir", help="hvor NLU-data genereres (standard: nlu/generated)")
    publish.set_defaults(func=cmd_publish)

    nlu = sub.add_parser("nlu", help="NLU-data").add_subparsers(dest="action", required=True)
    gen = nlu.add_parser("generate", help="generér nlu/generated/ fra vidensfilerne")
    gen.add_argument("--dir", default=str(KNOWLEDGE_DIR))
    gen.add_argument("--check", action="store_true", help="fejl hvis de genererede filer er forældede")
    gen.set_defaults(func=cmd_nlu_generate)

    spacy_cmd = sub.add_parser("spacy", help="spaCy-pipeline").add_subparsers(dest="action", required=True)
    build = spacy_cmd.add_parser("build", help="byg den offline danske pipeline (blank da + lemmaer)")
    build.add_argument("--target")
    build.set_defaults(func=cmd_spacy_build)

    privacy = sub.add_parser("privacy", help="persondata").add_subparsers(dest="action", required=True)
    purge_cmd = privacy.add_parser("purge", help="slet samtaler og tilbagemeldinger ældre end en periode")
    purge_cmd.add_argument("--older-than", required=True, help="fx 90d, 12w eller 6m")
    purge_cmd.set_defaults(func=cmd_purge)

    search = sub.add_parser("search", help="søg i den indlæste viden")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=8)
    search.set_defaults(func=cmd_search)

    report = sub.add_parser("report", help="HR-rapport over spørgsmål, svar og tilbagemeldinger (HTML + CSV)")
    report.add_argument("--since", help="fra og med dato/tid, UTC (standard: 30 dage før --until)")
    report.add_argument("--until", help="til (ikke med) dato/tid, UTC (standard: nu)")
    report.add_argument("--out", default="results/report", help="mappe til report.html og questions.csv")
    report.set_defaults(func=cmd_report)

    channels = sub.add_parser("channels", help="kanaler").add_subparsers(dest="action", required=True)
    creds = channels.add_parser(
        "credentials", help="skriv Rasas credentials-fil med de kanaler, hvis indstillinger er sat i miljøet")
    creds.add_argument("--template", default="credentials.yml")
    creds.add_argument("--out", default="var/credentials.yml")
    creds.set_defaults(func=cmd_channels_credentials)

    settings = sub.add_parser("settings", help="indstillingerne fra miljøet og .env").add_subparsers(
        dest="action", required=True)
    settings.add_parser("check", help="valider indstillingerne").set_defaults(func=cmd_settings)
    settings.add_parser("export", help="som export-linjer til skal-scripts").set_defaults(func=cmd_settings)

    from bot.cli.serve import add_parser as add_serve_parser

    add_serve_parser(sub)

    for name, (_module, text) in CHANNEL_TOOLS.items():
        tool = sub.add_parser(name, help=text, add_help=False)
        tool.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CHANNEL_TOOLS:
        import importlib

        tool = importlib.import_module(CHANNEL_TOOLS[argv[0]][0])
        return int(tool.main(argv[1:]))
    args = build_parser().parse_args(argv)
    return int(args.func(args))
