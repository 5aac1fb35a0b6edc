"""``python -m bot nlu generate`` and ``spacy build``: the build steps before ``rasa train``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.knowledge import KNOWLEDGE_DIR, _report
from bot.knowledge.loader import KnowledgeError


def cmd_nlu_generate(args: argparse.Namespace) -> int:
    """Regenerate nlu/generated/ from the knowledge files; with ``--check``, only fail (exit 1) if it is stale."""
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
    """Build the offline Danish spaCy pipeline into ``--target`` (default: var/spacy-da)."""
    from bot.generate.spacy_model import DEFAULT_DIR, save_pipeline

    print(f"spaCy-pipeline gemt i {save_pipeline(Path(args.target) if args.target else DEFAULT_DIR)}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``nlu generate`` and ``spacy build``."""
    nlu = sub.add_parser("nlu", help="NLU-data").add_subparsers(dest="action", required=True)
    gen = nlu.add_parser("generate", help="generér nlu/generated/ fra vidensfilerne")
    gen.add_argument("--dir", default=str(KNOWLEDGE_DIR))
    gen.add_argument("--check", action="store_true", help="fejl hvis de genererede filer er forældede")
    gen.set_defaults(func=cmd_nlu_generate)

    spacy_cmd = sub.add_parser("spacy", help="spaCy-pipeline").add_subparsers(dest="action", required=True)
    build = spacy_cmd.add_parser("build", help="byg den offline danske pipeline (blank da + lemmaer)")
    build.add_argument("--target")
    build.set_defaults(func=cmd_spacy_build)
