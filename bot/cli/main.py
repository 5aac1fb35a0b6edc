"""``python -m bot``: one entry, one sub-command module per concern.

``knowledge``/``search`` (bot/cli/knowledge.py), ``nlu``/``spacy`` (build.py), ``report``/``privacy``
(insights.py), ``settings``/``channels`` (config.py), ``serve rasa|actions`` (serve.py), the channel tools
``telegram`` and ``teams`` and the developer tools ``widget``, ``eval`` and ``bench`` (tools/, run from a checkout).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bot.cli import build, config, hr, insights, knowledge, serve

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
    """The ``python -m bot`` parser; each sub-command sets ``func``, which returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Lederassistentens værktøjer")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (knowledge, build, insights, config, hr):
        module.add_parsers(sub)
    serve.add_parser(sub)
    for name, (_module, text) in CHANNEL_TOOLS.items():
        tool = sub.add_parser(name, help=text, add_help=False)
        tool.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command and return its exit code.

    A channel or developer tool is imported only when asked for and gets its arguments unparsed.
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CHANNEL_TOOLS:
        tool = importlib.import_module(CHANNEL_TOOLS[argv[0]][0])
        return int(tool.main(argv[1:]))
    args = build_parser().parse_args(argv)
    return int(args.func(args))
