"""A small error hierarchy. The CLI turns `InputError` into one line and exit code 2."""
from __future__ import annotations

import re


class DbDesignError(Exception):
    """Base class of every error dbdesign raises on purpose."""


class InputError(DbDesignError):
    """Bad input from the user: a file, a URL, an option. Carries where it happened.

    `str(err)` is the one line the CLI prints: ``file:line:col: message``.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None):
        message = mask_secrets(message)
        file = mask_secrets(file) if isinstance(file, str) else file
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


_SECRET_KEYS = r"(?:password|passwd|pwd|pass|sslpassword|secret|token|api_key|apikey)"
_MASKS = [
    # userinfo of a URL: scheme://user:secret@host -> scheme://user:***@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/@:'\"]*:)[^\s'\"/]*(@)"), r"\1***\2"),
    # query string or key=value DSN: ?password=x, &pwd=x, password='x y', PGPASSWORD=x
    (re.compile(r"(?i)(\b(?:[A-Z_]*)" + _SECRET_KEYS + r"\s*=\s*)('(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&;,'\")]*)"),
     r"\1***"),
]


def mask_secrets(text: str) -> str:
    """`text` with every password it shows replaced by ***: the userinfo of URLs, `password=`
    in query strings and key=value DSNs (quoted or not), `PGPASSWORD=`-style variables. The
    one function every message, output and error path that may show a URL or DSN goes
    through."""
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def read_text(path: str) -> str:
    """A file the user gave, as UTF-8 text; anything else is bad input naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", path) from None
