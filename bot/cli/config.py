"""``python -m bot settings check|export`` and ``channels credentials``: the environment, validated once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_channels_credentials(args: argparse.Namespace) -> int:
    """Write Rasa's credentials file with the channels whose settings are set, and print which are on."""
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


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``channels credentials`` and ``settings check|export``."""
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
