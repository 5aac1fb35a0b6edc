"""Repository hygiene checks: a scanner for secrets committed by mistake."""
