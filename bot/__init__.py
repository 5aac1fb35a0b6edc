"""Danish leadership assistant: knowledge base, search, NLU generation and channels."""
