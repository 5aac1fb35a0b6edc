"""Build steps that generate files Rasa needs: NLU data from the knowledge, the spaCy pipeline, credentials."""
