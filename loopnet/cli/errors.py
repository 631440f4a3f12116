"""The CLI's one error type."""


class UsageError(Exception):
    """A problem with what the user asked for: one line on stderr, exit code 2."""
