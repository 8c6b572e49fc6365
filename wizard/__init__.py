"""mailtriage's engine: evidence in, findings out. No UI imports here (DESIGN.md rule 1)."""
