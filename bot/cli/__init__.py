"""``python -m bot``: one entry point, one module per group of sub-commands."""
