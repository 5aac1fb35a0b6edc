"""``python -m bot knowledge check|load|publish`` and ``search``: HR's path from the files to the live bot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.model import KnowledgeSet
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.publish import KNOWLEDGE_DIR


def _report(error: KnowledgeError) -> int:
    print(f"Vidensfilerne har {len(error.problems)} fejl:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the knowledge files without loading them: every problem (exit 1) or the counts (exit 0)."""
    try:
        knowledge = load_knowledge(Path(args.dir))
    except KnowledgeError as error:
        return _report(error)
    print(f"OK: {len(knowledge.units)} enheder i {len(knowledge.documents)} dokumenter (version {knowledge.version}).")
    from bot.knowledge.db import database_url, make_engine

    _warn_vanished(knowledge, make_engine(database_url()))
    return 0


def _warn_vanished(knowledge: KnowledgeSet, engine: Engine) -> None:
    """Name the published units the files no longer have (a renamed id passes every check of the files)."""
    from bot.knowledge.publish import vanished_units

    for gone in vanished_units(engine, knowledge):
        refers = f"; {gone.feedback} tilbagemeldinger peger på den" if gone.feedback else ""
        print(f"Advarsel: enheden '{gone.unit_id}' ({gone.title}) er udgivet, men findes ikke i filerne: "
              f"omdøbt eller fjernet{refers}.", file=sys.stderr)


def cmd_load(args: argparse.Namespace) -> int:
    """Validate and load the knowledge into ``--db`` (default: KNOWLEDGE_DB_URL) in one transaction.

    With invalid files nothing changes and the exit code is 1: the previous knowledge stays active.
    """
    from bot.knowledge.db import database_url, make_engine
    from bot.knowledge.publish import store

    url = args.db or database_url()
    engine = make_engine(url)
    try:
        knowledge = load_knowledge(Path(args.dir))
        _warn_vanished(knowledge, engine)  # before the load replaces what it compares with
        result = store(engine, knowledge, with_embeddings=None if args.embeddings else False)
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


def cmd_search(args: argparse.Namespace) -> int:
    """Print the best hits for the query with each signal's part, to see why the bot answers what it does."""
    from bot.knowledge.service import knowledge_service

    service = knowledge_service()
    for hit in service.index().search(args.query, limit=args.limit):
        print(f"{hit.score:.3f} lex={hit.lexical:.2f} cov={hit.coverage:.2f} ng={hit.ngram:.2f} "
              f"sem={hit.semantic:.3f}  {hit.unit.id}  {hit.unit.title}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``knowledge check|load|publish`` and ``search``."""
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

    search = sub.add_parser("search", help="søg i den indlæste viden")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=8)
    search.set_defaults(func=cmd_search)
