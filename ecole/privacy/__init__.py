"""Personal data (Morocco's law 09-08): what Ecole holds about a person, downloaded by them or for them,
and erasure on request, keeping only what the school must keep. A top domain: it reads and changes
every domain through that domain's own queries and services."""
