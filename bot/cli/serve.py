"""Start the servers with the project's settings: ``python -m bot serve rasa|actions``.

One place for the flags, used by ``make run``, ``make run-prod``, the tests and the container images:

* ``serve rasa`` writes the channel credentials from ``credentials.yml`` and the environment, then runs
  ``rasa run`` with the HTTP API behind ``RASA_API_TOKEN`` (it refuses to start without one) and CORS
  limited to ``WEBCHAT_ALLOWED_ORIGINS`` (comma-separated; empty: no cross-origin access at all).
* ``serve actions`` runs the action server bound to ``--host`` (default ``ACTIONS_HOST`` or 127.0.0.1),
  so it is reachable only where Rasa runs unless told otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.generate.credentials import write_credentials
from bot.settings import PROJECT_ROOT, get_settings, set_process_value


class ServeError(Exception):
    """A setting is missing or wrong: the message says which."""


def origins(env: Mapping[str, str]) -> list[str]:
    """The web-chat origins allowed by ``WEBCHAT_ALLOWED_ORIGINS`` (comma-separated), without trailing slashes."""
    raw = env.get("WEBCHAT_ALLOWED_ORIGINS", "")
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def rasa_command(args: argparse.Namespace, env: Mapping[str, str]) -> list[str]:
    """The ``rasa run`` command line: the HTTP API behind the token, CORS limited to the allowed origins.

    Raises ``ServeError`` when ``RASA_API_TOKEN`` is unset or shorter than 16 characters.
    """
    token = env.get("RASA_API_TOKEN", "").strip()
    if not token:
        raise ServeError("RASA_API_TOKEN is not set: Rasa's HTTP API (/conversations, /model) must not be open "
                         "without a token. Set it in .env or the environment (make run creates one in var/).")
    if len(token) < 16:
        raise ServeError("RASA_API_TOKEN is shorter than 16 characters; use a long random value.")
    command = [
        str(Path(sys.executable).with_name("rasa")), "run",
        "--model", args.model, "--interface", args.host, "--port", str(args.port),
        "--endpoints", args.endpoints, "--credentials", args.credentials,
        "--enable-api", f"--auth-token={token}",  # "=": a token may start with "-"
    ]
    allowed = origins(env)
    if allowed:
        command += ["--cors", *allowed]
    return command


def actions_command(args: argparse.Namespace) -> list[str]:
    """The ``rasa run actions`` command line on ``--port``; the host goes by ``SANIC_HOST`` (see ``cmd_actions``)."""
    return [str(Path(sys.executable).with_name("rasa")), "run", "actions", "--actions", "actions",
            "--port", str(args.port)]


def cmd_rasa(args: argparse.Namespace) -> int:
    """Write the credentials and replace this process with Rasa, which gets the merged settings as environment.

    Returns 2, without starting anything, when the API token is missing or too short.
    """
    env = get_settings().process_env()
    try:
        command = rasa_command(args, env)
    except ServeError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    settings = write_credentials(Path(args.template), Path(args.credentials), env)
    print(settings.summary(), flush=True)
    os.execve(command[0], command, env)
    return 0  # not reached


def cmd_actions(args: argparse.Namespace) -> int:
    """Replace this process with the action server, bound to ``--host``."""
    set_process_value("SANIC_HOST", args.host)  # rasa-sdk binds to SANIC_HOST
    command = actions_command(args)
    os.execv(command[0], command)
    return 0  # not reached


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``serve rasa`` and ``serve actions``; their defaults come from the settings, read here."""
    serve = sub.add_parser("serve", help="start Rasa eller action-serveren").add_subparsers(
        dest="action", required=True)
    rasa = serve.add_parser("rasa", help="Rasa-serveren (API med token, CORS-liste, kanaler fra miljøet)")
    settings = get_settings()
    rasa.add_argument("--port", type=int, default=settings.rasa_port)
    rasa.add_argument("--host", default=settings.rasa_host,
                      help="adresse Rasa lytter på (bag nginx: 127.0.0.1)")
    rasa.add_argument("--model", default=settings.model)
    rasa.add_argument("--endpoints", default=settings.endpoints)
    rasa.add_argument("--template", default=str(PROJECT_ROOT / "credentials.yml"))
    rasa.add_argument("--credentials", default=settings.credentials)
    rasa.set_defaults(func=cmd_rasa)
    actions = serve.add_parser("actions", help="action-serveren")
    actions.add_argument("--port", type=int, default=settings.actions_port)
    actions.add_argument("--host", default=settings.actions_host)
    actions.set_defaults(func=cmd_actions)
