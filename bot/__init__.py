"""Dateline: a Discord bot that turns a news archive into something a team can talk to."""
