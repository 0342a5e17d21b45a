"""Administration screens: people and roles, the audit log. Calls services only."""
