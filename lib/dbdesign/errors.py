"""A small error hierarchy. The CLI turns `InputError` into one line and exit code 2."""
from __future__ import annotations


class DbDesignError(Exception):
    """Base class of every error dbdesign raises on purpose."""


class InputError(DbDesignError):
    """Bad input from the user: a file, a URL, an option. Carries where it happened.

    `str(err)` is the one line the CLI prints: ``file:line:col: message``.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        parts = [str(p) for p in (self.file, self.line, self.col) if p is not None]
        return ":".join(parts) + ": " if parts else ""


class EngineError(DbDesignError):
    """A database engine refused something or could not be reached."""


class EngineUnavailable(EngineError):
    """The engine's server is not reachable (tests skip on this outside CI)."""
