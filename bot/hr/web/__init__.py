"""The HR workbench in a browser (``python -m bot hr serve``): see ``bot.hr.web.app``."""

from bot.hr.web.app import create_app, secret_key

__all__ = ["create_app", "secret_key"]
