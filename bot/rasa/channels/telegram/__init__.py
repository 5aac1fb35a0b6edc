"""Telegram: ``input`` (webhook and updates), ``output``, ``polling``, ``text``, ``settings``, ``client``."""
