"""People: accounts, roles, sign-in, profiles, registration on someone's behalf, CSV import."""
