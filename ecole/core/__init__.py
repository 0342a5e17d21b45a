"""Shared building blocks with no domain knowledge: models, access, errors, audit, mail, time."""
