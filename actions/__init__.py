"""Rasa custom actions: thin wrappers that ask the knowledge repository and utter domain responses."""
