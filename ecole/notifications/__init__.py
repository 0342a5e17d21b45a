"""Notices to people: in the app, by e-mail when they have one, by phone (a call list) otherwise."""
