"""Parse, normalise and load news archives into :class:`Article` records."""

from bot.archive.loader import LoadReport, discover, fingerprint, load_archive
from bot.archive.model import Article
from bot.archive.problems import Problem

__all__ = ["Article", "LoadReport", "Problem", "discover", "fingerprint", "load_archive"]
