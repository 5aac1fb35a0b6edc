"""The HR workbench: knowledge edited as file text, accounts, the four-eyes workflow, previews, the web UI."""
