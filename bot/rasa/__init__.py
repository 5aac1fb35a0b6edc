"""Plug-ins that Rasa loads by module path from endpoints*.yml and credentials.yml: stores and channels."""
