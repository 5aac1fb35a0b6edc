"""The assistant's logic without Rasa or a database: knowledge model, text, search, scope, answering."""
