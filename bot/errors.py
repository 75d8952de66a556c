"""Errors meant for the person who caused them.

Domain code raises these; the CLI prints them and the Discord layer turns them
into a short ephemeral reply. Anything else is a bug and is logged as one.
"""


class UserFacingError(Exception):
    """A mistake the user can fix; ``str(err)`` is the friendly explanation."""


class EmptyQuery(UserFacingError):
    def __init__(self) -> None:
        super().__init__("Type at least one word to search for.")


class BadDate(UserFacingError):
    pass


class BadTime(UserFacingError):
    pass


class BadTimezone(UserFacingError):
    pass


class UnknownArticle(UserFacingError):
    pass


class ButtonExpired(UserFacingError):
    """A button whose state, too long for its custom id, was kept and has since expired."""

    def __init__(self) -> None:
        super().__init__("This button has expired; run the command again.")


class UnknownSource(UserFacingError):
    """A source filter naming no outlet in the archive: it would silently match nothing."""


class ConfigError(Exception):
    """A bad setting: one line naming file, key and what was expected."""
