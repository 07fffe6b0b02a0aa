"""Where a schema comes from: one `.sql` file, or a golang-migrate style migrations folder.

A migrations folder holds ``{version}_{name}.up.sql`` / ``.down.sql`` pairs; versions are whole
numbers (``0001``, ``20240101120000``) that sort as numbers, and an up and a down file pair up
by number (their names may differ, as golang-migrate allows). Beside them (MIGRATION_LAYOUT):

- engine overrides ``<folder>/<engine>/{version}_{name}.up.sql``: on that engine they replace
  the root file of the same version and run verbatim; a version may exist only as overrides;
- repeatable migrations ``R__{name}.sql`` in the root or an engine subfolder (Flyway's ``R__``),
  applied after the versioned ones whenever new or changed.

`Migration` is the one type for a migration everywhere; `Folder.schema_at(version)` is the one
declared model "after version N".
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import re
from dataclasses import dataclass, field

from dbdesign.errors import InputError
from dbdesign.model import Schema
from dbdesign.schema.parse import parse_file, parse_sql

MIGRATION_RE = re.compile(r"^(?P<version>\d+)_(?P<name>[A-Za-z0-9_\-]+)\.(?P<direction>up|down)\.sql$")
REPEATABLE_RE = re.compile(r"^R__(?P<name>[A-Za-z0-9_\-]+)\.sql$")
ENGINE_FOLDERS = ("postgres", "mysql", "sqlite", "duckdb")
EXPECTED = ("expected {version}_{name}.up.sql, {version}_{name}.down.sql or R__{name}.sql "
            "(engine overrides in postgres/, mysql/, sqlite/, duckdb/)")


@dataclass
class Migration:
    """One versioned migration (or, with `repeatable`, one ``R__`` file) as found on disk.

    `up`/`down` are the root (generic, PostgreSQL-dialect) files; `overrides` maps an engine to
    its own (up, down) paths, which run verbatim there. `checksum` covers every one of them."""
    version: int
    version_text: str  # as written in the file name (keeps leading zeros)
    name: str
    up: str | None  # path
    down: str | None  # path
    overrides: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    checksum: str = ""
    legacy_checksum: str = ""  # sha256 of the up file alone (histories written before downs counted)
    repeatable: bool = False

    @property
    def label(self) -> str:
        return f"R__{self.name}" if self.repeatable else f"{self.version_text}_{self.name}"

    @property
    def is_data(self) -> bool:
        """Data migrations carry a `data` word in their name (``0007_data_backfill``)."""
        return "data" in re.split(r"[_\-]", self.name.lower())

    @property
    def no_transaction(self) -> bool:
        """The generic up file asks to run outside a transaction (see `migrate.no_transaction`)."""
        from dbdesign.migrate.runner import wants_no_transaction
        return any(wants_no_transaction(p) for p in (self.up, self.down) if p)

    def files_for(self, engine: str) -> tuple[str | None, str | None, bool]:
        """(up, down, verbatim) that run on `engine`: its override if it has one (verbatim),
        else the root files (rendered); (None, None, False) when there is no file for it."""
        if engine in self.overrides:
            up, down = self.overrides[engine]
            return up, down, True
        return self.up, self.down, False

    def all_files(self) -> list[str]:
        files = [self.up, self.down] + [p for e in sorted(self.overrides) for p in self.overrides[e]]
        return [p for p in files if p]

    def model_file(self) -> str | None:
        """The file the declared (PostgreSQL-dialect) model reads: the root up file, else a
        PostgreSQL override."""
        return self.up or self.overrides.get("postgres", (None, None))[0]


def _checksum(m: Migration, root: str) -> tuple[str, str]:
    files = m.all_files()
    with open(files[0], "rb") as fh:
        first = fh.read()
    legacy = hashlib.sha256(first).hexdigest() if m.up else ""
    if len(files) == 1:
        return hashlib.sha256(first).hexdigest(), legacy
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        h.update(os.path.relpath(path, root).replace(os.sep, "/").encode() + b"\0")
        h.update(str(len(data)).encode() + b"\0" + data)
    return h.hexdigest(), legacy


@dataclass
class Folder:
    """A migrations folder read from disk: versioned migrations in order, repeatables in name
    order, and the declared model after each version (built once, on first use)."""
    directory: str
    migrations: list[Migration]
    repeatables: list[Migration]
    _models: dict[str, dict[int, Schema]] = field(default_factory=dict, repr=False)

    @property
    def by_version(self) -> dict[int, Migration]:
        return {m.version: m for m in self.migrations}

    def repeatables_for(self, engine: str) -> list[Migration]:
        return [r for r in self.repeatables if r.files_for(engine)[0]]

    def schema_at(self, version: int | None = None, engine: str | None = None) -> Schema:
        """The declared model after every up file with a version <= `version` (None: after
        all): root files in PostgreSQL dialect, or PostgreSQL overrides where a version has no
        root file. With `engine`, that engine's overrides replace the root files (read statement
        by statement; what the model cannot hold is left out). Shared: do not modify."""
        key = engine or ""
        if key not in self._models:
            self._models[key] = models = {}
            schema = Schema()
            models[-1] = copy.deepcopy(schema)
            for m in self.migrations:
                up, _down, verbatim = m.files_for(engine) if engine else (m.model_file(), None, False)
                if up and verbatim and not _dialect(engine).MIGRATION_VERBATIM:
                    with open(up, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                    for st in split_verbatim(text, up, engine):
                        with contextlib.suppress(InputError, ValueError, AttributeError):
                            parse_sql(st.sql, up, schema)
                elif up:
                    with contextlib.suppress(InputError):  # the engine decides; verify reports it
                        with open(up, encoding="utf-8", errors="replace") as fh:
                            parse_sql(fh.read(), up, schema)
                models[m.version] = copy.deepcopy(schema)
        models = self._models[key]
        if version is None:
            return models[self.migrations[-1].version] if self.migrations else models[-1]
        return models[max(v for v in models if v <= version)]

    def schema_before(self, version: int, engine: str | None = None) -> Schema:
        """The declared model after every up file below `version` (rendering context)."""
        return self.schema_at(version - 1, engine)


def _scan(directory: str, where: str, found: dict[int, Migration], repeatables: dict[str, Migration],
          engine: str | None) -> None:
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if os.path.isdir(path):
            if engine is None and entry in ENGINE_FOLDERS:
                _scan(path, where, found, repeatables, entry)
            elif entry.endswith(".sql"):
                raise InputError(f"a folder named like a migration file; {EXPECTED}", path)
            elif any(f.endswith(".sql") for f in os.listdir(path)):
                raise InputError(f"folder {entry!r} holds .sql files but is not an engine override "
                                 f"folder ({', '.join(ENGINE_FOLDERS)}); rename or move it", path)
            continue
        if not entry.endswith(".sql"):
            continue
        r = REPEATABLE_RE.match(entry)
        if r:
            rep = repeatables.setdefault(r.group("name"), Migration(0, "R", r.group("name"), None, None,
                                                                    repeatable=True))
            if engine is None:
                rep.up = path
            else:
                rep.overrides[engine] = (path, None)
            continue
        m = MIGRATION_RE.match(entry)
        if not m:
            raise InputError(f"not a migration file name; {EXPECTED}", path)
        version, direction = int(m.group("version")), m.group("direction")
        mg = found.get(version)
        if mg is None:
            mg = found[version] = Migration(version, m.group("version"), m.group("name"), None, None)
        if engine is None:
            slot = mg.up if direction == "up" else mg.down
            if slot is not None:
                raise InputError(f"version {m.group('version')} has two {direction} files "
                                 f"({os.path.basename(slot)} and {entry}); renumber one", path)
            setattr(mg, direction, path)
        else:
            up, down = mg.overrides.get(engine, (None, None))
            if (up if direction == "up" else down) is not None:
                raise InputError(f"version {m.group('version')} has two {direction} files in "
                                 f"{engine}/; renumber one", path)
            mg.overrides[engine] = (path, down) if direction == "up" else (up, path)
        if direction == "up" and (engine is None or mg.up is None):
            mg.name, mg.version_text = m.group("name"), m.group("version")


def discover(directory: str) -> Folder:
    """Read a migrations folder. Raises InputError (what to do, with the path) for a missing
    folder, a misnamed file or folder, two files for one version and direction, or a down file
    without an up file."""
    if not os.path.isdir(directory):
        raise InputError("no such migrations folder; pass a .sql file or a folder of "
                         "{version}_{name}.up.sql files", directory)
    found: dict[int, Migration] = {}
    repeatables: dict[str, Migration] = {}
    _scan(directory, directory, found, repeatables, None)
    for mg in found.values():
        for engine, (up, down) in [(None, (mg.up, mg.down))] + list(mg.overrides.items()):
            if up is None and down is not None:
                raise InputError(f"migration {mg.label} has a down file but no up file"
                                 f"{' in ' + engine + '/' if engine else ''}; add the .up.sql", down)
        if mg.up and mg.overrides:  # the root name is the migration's name
            mg.name = MIGRATION_RE.match(os.path.basename(mg.up)).group("name")
    for mg in list(found.values()) + list(repeatables.values()):
        mg.checksum, mg.legacy_checksum = _checksum(mg, directory)
    return Folder(directory, [found[v] for v in sorted(found)],
                  [repeatables[n] for n in sorted(repeatables)])


def discover_migrations(directory: str) -> tuple[list[Migration], list]:
    """The versioned migrations of `directory` in order (and no diagnostics: misnamed files
    are errors now). Kept for callers that list versions."""
    return discover(directory).migrations, []


def load_migrations(directory: str, upto: int | None = None, read: str | None = None) -> Schema:
    """The declared model after the up files of `directory` (up to and including `upto`);
    `read` is the engine the files are written for (default: `parse.reading`, postgres)."""
    folder = discover(directory)
    schema = Schema()
    for mg in folder.migrations:
        if upto is not None and mg.version > upto:
            break
        if mg.model_file():
            parse_file(mg.model_file(), schema, read=read)
    return schema


def load_source(path: str, read: str | None = None) -> Schema:
    """Read a schema from a `.sql` file or a migrations folder written for `read`
    (postgres | mysql | sqlite)."""
    if os.path.isdir(path):
        return load_migrations(path, read=read)
    if not os.path.exists(path):
        raise InputError("no such file or folder; give a .sql file or a migrations folder", path)
    return parse_file(path, read=read)


@dataclass
class RawStatement:
    """One statement of a file as written (not parsed): its text and 1-based line."""
    sql: str
    line: int

    @property
    def verb(self) -> str:
        words = re.findall(r"[A-Za-z]+", self.sql[:40])
        return " ".join(words[:2]).upper()


def split_verbatim(text: str, path: str, engine: str) -> list[RawStatement]:
    """Split a file written for `engine` into statements as written, with their lines, using
    that engine's tokenizer (quotes, comments, dollar quotes); SQLite trigger bodies stay whole
    (a statement ends where the dialect's `statement_complete` says it does)."""
    import sqlglot
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType
    try:
        tokens = sqlglot.Dialect.get_or_raise(engine).tokenize(text)
    except TokenError:
        raise InputError(f"unterminated string, quoted name or comment; close it ({engine} SQL)",
                         path) from None
    groups: list[list] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            groups[-1].append(tok)
            groups.append([])
        else:
            groups[-1].append(tok)
    out: list[RawStatement] = []
    pending: list = []
    for group in groups:
        pending += group
        body = [t for t in pending if t.token_type != TokenType.SEMICOLON]
        if not body:
            pending = []
            continue
        sql = text[pending[0].start:pending[-1].end + 1]
        if group and not _dialect(engine).statement_complete(sql):
            continue
        out.append(RawStatement(sql.rstrip().rstrip(";").rstrip(), pending[0].line))
        pending = []
    if any(t.token_type != TokenType.SEMICOLON for t in pending):  # an unfinished trigger
        out.append(RawStatement(text[pending[0].start:pending[-1].end + 1].strip(), pending[0].line))
    return out


def _dialect(name: str):
    from dbdesign.dialects import get_dialect  # the renderers load on first use only
    return get_dialect(name)
