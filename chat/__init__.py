"""Switchboard: real-time customer support chat on one SQLite file."""
