"""Parse, normalise and load news archives into :class:`Article` records."""
