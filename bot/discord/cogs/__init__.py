"""Slash commands, one cog per area; each receives the App by construction."""
