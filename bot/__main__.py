"""``python -m bot``: the project's command line (sub-commands in ``bot.cli.main``)."""

from bot.cli.main import main

raise SystemExit(main())
