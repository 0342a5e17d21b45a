"""Enrolment: the state machine, capacity and waitlist, rosters, calendars."""
