"""``python -m bot hr add-user|serve``: the HR workbench's accounts and its web server.

``serve`` runs the workbench with Flask's own threaded server. That is enough for an intranet tool used by a
handful of HR people at a time; put a TLS proxy in front of it (and set ``HR_SECURE_COOKIES=1``) when it is
reached over the network. The workbench keeps its accounts, drafts and versions in the knowledge database
(``KNOWLEDGE_DB_URL``) and publishes into it, so the running bot answers from a publish within seconds.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.search import Hit
    from bot.hr.web.context import Search

logger = logging.getLogger(__name__)


def _password(args: argparse.Namespace) -> str | None:
    """The new account's password: one line of stdin with ``--password-stdin``, else asked twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Adgangskode (mindst 12 tegn): ")
    if getpass.getpass("Gentag adgangskoden: ") != first:
        print("De to adgangskoder er ikke ens. Ingen bruger er oprettet.", file=sys.stderr)
        return None
    return first


def cmd_add_user(args: argparse.Namespace) -> int:
    """Create a workbench account, so the first godkender can sign in (later ones are added in the browser)."""
    from bot.hr.accounts import AccountError, AccountStore, Role
    from bot.knowledge.db import make_engine
    from bot.settings import get_settings

    password = _password(args)
    if password is None:
        return 1
    store = AccountStore(make_engine(args.db or get_settings().knowledge_db_url))
    try:
        account = store.add(args.username, args.name, Role(args.role), password)
    except AccountError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 1
    role = "godkender" if account.may_approve else "redaktør"
    print(f"Oprettet: {account.username} ({account.name}), {role}.")
    return 0


def _regenerate_nlu(target: Path) -> Callable[[Path], None]:
    """After a publish, regenerate the NLU data into ``target`` as ``knowledge publish`` does.

    A failure here never undoes a publish: the answers are live whether or not the NLU data follows.
    """
    from bot.generate.nlu import generate

    def regenerate(directory: Path) -> None:
        try:
            written = generate(directory, target)
        except Exception:
            logger.exception("NLU data not regenerated after the publish (the answers are live all the same)")
            return
        if written:
            logger.warning("Names or synonyms changed (%s): answers are live; run `make train` so the language "
                           "model recognises the new names too.", ", ".join(p.name for p in written))

    return regenerate


def _search(url: str) -> Search:
    """The live bot's search over the published knowledge (the index follows each publish)."""
    from bot.knowledge.service import knowledge_service

    def search(query: str) -> Sequence[Hit]:
        return knowledge_service(url).index().search(query, limit=8)

    return search


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the workbench under ``/hr`` on ``--host``:``--port`` until stopped."""
    from werkzeug.serving import run_simple

    from bot.generate.nlu import GENERATED_DIR
    from bot.hr.accounts import AccountStore
    from bot.hr.changes import ChangeDesk
    from bot.hr.web import create_app
    from bot.knowledge.db import engine_for
    from bot.knowledge.publish import KNOWLEDGE_DIR
    from bot.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"Fejl i indstillingerne: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = engine_for(settings.knowledge_db_url)
    desk = ChangeDesk(engine, Path(args.dir or KNOWLEDGE_DIR), require_approval=settings.hr_require_approval,
                      after_publish=_regenerate_nlu(Path(args.nlu_dir) if args.nlu_dir else GENERATED_DIR))
    app = create_app(settings, desk, AccountStore(engine), _search(settings.knowledge_db_url))
    port = args.port or settings.hr_port
    print(f"HR-værkstedet kører på http://{args.host}:{port}/hr/ (stop med Ctrl+C).")
    run_simple(args.host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hr add-user`` and ``hr serve``."""
    hr = sub.add_parser("hr", help="HR-værkstedet: brugere og webserver").add_subparsers(dest="action", required=True)
    add = hr.add_parser("add-user", help="opret en bruger af HR-værkstedet")
    add.add_argument("--username", required=True)
    add.add_argument("--name", required=True, help="fulde navn, som det vises i værkstedet")
    add.add_argument("--role", required=True, choices=["redaktoer", "godkender"])
    add.add_argument("--password-stdin", action="store_true", help="læs adgangskoden fra stdin (til scripts)")
    add.add_argument("--db", help="database-URL (standard: KNOWLEDGE_DB_URL eller var/knowledge.db)")
    add.set_defaults(func=cmd_add_user)
    serve = hr.add_parser("serve", help="kør HR-værkstedet (Flasks trådede server; til intranettet)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="port (standard: HR_PORT eller 8081)")
    serve.add_argument("--dir", help="vidensmappen (standard: knowledge/)")
    serve.add_argument("--nlu-dir", help="hvor NLU-data genereres efter en udgivelse (standard: nlu/generated)")
    serve.set_defaults(func=cmd_serve)
