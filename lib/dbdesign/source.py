"""Where a schema comes from: one `.sql` file, or a golang-migrate style migrations folder.

A migrations folder holds ``{version}_{name}.up.sql`` / ``.down.sql`` pairs. Versions are whole
numbers (``0001``, ``20240101120000``) and sort as numbers; the up files are applied in order.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import InputError
from .model import Diagnostic, Schema
from .parse import parse_file

MIGRATION_RE = re.compile(r"^(?P<version>\d+)_(?P<name>[A-Za-z0-9_\-]+)\.(?P<direction>up|down)\.sql$")


@dataclass
class MigrationFile:
    version: int
    version_text: str  # as written in the file name (keeps leading zeros)
    name: str
    up: str | None  # path
    down: str | None  # path

    @property
    def is_data(self) -> bool:
        """Data migrations carry a `data` word in their name (``0007_data_backfill``)."""
        return "data" in re.split(r"[_\-]", self.name.lower())


def discover_migrations(directory: str) -> tuple[list[MigrationFile], list[Diagnostic]]:
    """List the migration pairs in `directory`, sorted by numeric version.

    Raises InputError for a missing folder or two migrations with the same version.
    Files that do not fit the naming pattern come back as diagnostics."""
    if not os.path.isdir(directory):
        raise InputError("no such migrations folder; pass a .sql file or a folder of "
                         "{version}_{name}.up.sql files", directory)
    found: dict[int, MigrationFile] = {}
    diagnostics: list[Diagnostic] = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if not entry.endswith(".sql") or not os.path.isfile(path):
            continue
        m = MIGRATION_RE.match(entry)
        if not m:
            diagnostics.append(Diagnostic(
                "not a migration file name (expected {version}_{name}.up.sql or .down.sql); "
                "ignored", path))
            continue
        version = int(m.group("version"))
        mf = found.get(version)
        if mf is None:
            mf = found[version] = MigrationFile(version, m.group("version"), m.group("name"), None, None)
        elif mf.name != m.group("name"):
            raise InputError(f"version {m.group('version')} is used by two migrations "
                             f"({mf.name!r} and {m.group('name')!r}); renumber one", path)
        setattr(mf, m.group("direction"), path)
    for mf in found.values():
        if mf.up is None:
            raise InputError(f"migration {mf.version_text}_{mf.name} has a down file but no up file; "
                             "add the .up.sql", mf.down)
    return [found[v] for v in sorted(found)], diagnostics


def load_migrations(directory: str, upto: int | None = None, read: str | None = None) -> Schema:
    """Apply the up files of `directory` in version order (up to and including `upto`);
    `read` is the engine the files are written for (default: `parse.reading`, postgres)."""
    migrations, diagnostics = discover_migrations(directory)
    schema = Schema()
    schema.diagnostics.extend(diagnostics)
    for mf in migrations:
        if upto is not None and mf.version > upto:
            break
        parse_file(mf.up, schema, read=read)
    return schema


def load_source(path: str, read: str | None = None) -> Schema:
    """Read a schema from a `.sql` file or a migrations folder written for `read`
    (postgres | mysql | sqlite)."""
    if os.path.isdir(path):
        return load_migrations(path, read=read)
    if not os.path.exists(path):
        raise InputError("no such file or folder; give a .sql file or a migrations folder", path)
    return parse_file(path, read=read)
