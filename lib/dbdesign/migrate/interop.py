"""Migrations folder <-> other tools' layouts: Flyway, dbmate, goose, Liquibase formatted SQL,
Alembic, Knex and Prisma Migrate.

`export_folder(src, out, fmt, dialect)` writes the golang-migrate pairs of `src` in the layout of
`fmt`, each statement rendered for `dialect` by the runner's renderer (so a MariaDB export holds
MariaDB SQL); `import_folder(src, out, fmt)` reads a folder of that layout back into pairs.
A file marked `-- dbdesign:no-transaction` maps to the tool's own switch (Flyway
`executeInTransaction=false`, dbmate `transaction:false`, goose `NO TRANSACTION`, Liquibase
`runInTransaction:false`, Alembic `autocommit_block()`, Knex `config.transaction = false`).

What each layout cannot hold is said, not dropped silently (`ExportResult.notes`): Prisma
Migrate has no down migrations; Flyway's repeatable `R__` files have no version (imported after
the versioned ones, with an empty down).
"""
from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from dataclasses import dataclass, field

from dbdesign import REPO_ROOT
from dbdesign.dialects import get_dialect
from dbdesign.errors import EngineError, InputError, read_text

FORMATS = ("flyway", "dbmate", "goose", "liquibase", "alembic", "knex", "prisma")
MARKER_LINE = "-- dbdesign:no-transaction"


@dataclass
class Pair:
    """One migration in our terms: version (as written), name, up and down SQL, transaction."""
    version: str
    name: str
    up: str
    down: str | None
    no_transaction: bool = False

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}"


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- our side -------------------------------------------------------------------------------

def read_pairs(directory: str, dialect: str = "postgres") -> list[Pair]:
    """The folder's migrations; for another dialect each file is rendered by the runner's
    renderer (statements joined with `;` and a blank line)."""
    from dbdesign.migrate.runner import load_folder, render_file
    from dbdesign.checks.migration_lint import no_transaction_marked
    from dbdesign.model import Schema
    from dbdesign.schema.parse import parse_sql
    migrations = load_folder(directory)
    out = []
    schema = Schema()  # the declared model before each file, as the runner renders it
    for m in migrations:
        up, down, verbatim = m.files_for(dialect)
        model_text = None
        if m.model_file():
            with open(m.model_file(), encoding="utf-8") as fh:
                model_text = fh.read()
        if up is None:  # a version only other engines have a file for: nothing runs here
            if model_text is not None:
                with contextlib.suppress(InputError):
                    parse_sql(model_text, m.model_file(), schema)
            continue
        texts = {}
        for direction, path in (("up", up), ("down", down)):
            if path is None:
                texts[direction] = None
                continue
            with open(path, encoding="utf-8") as fh:
                raw = fh.read()
            if get_dialect(dialect).MIGRATION_VERBATIM or verbatim:
                texts[direction] = _strip_marker(raw)
            else:
                steps = render_file(path, dialect, copy.deepcopy(schema)).steps
                texts[direction] = "".join(s.sql.rstrip().rstrip(";") + ";\n" for s in steps)
            if direction == "up" and model_text is not None:  # a down renders on the model after the up
                with contextlib.suppress(InputError):
                    parse_sql(model_text, m.model_file(), schema)
        with open(up, encoding="utf-8") as fh:
            marked = no_transaction_marked(fh.read()) or m.no_transaction
        out.append(Pair(m.version_text, m.name, texts["up"], texts["down"], marked))
    return out


def engine_files(directory: str, engine: str = "postgres") -> dict[str, str]:
    """{golang-migrate file name: path} of what runs on `engine` - root files, or its override
    folder's - which is what an export for that engine holds; versions only other engines
    have a file for are left out."""
    from dbdesign.migrate.runner import load_folder
    out = {}
    for m in load_folder(directory):
        up, down, _ = m.files_for(engine)
        for path, direction in ((up, "up"), (down, "down")):
            if path:
                name = os.path.basename(path).split("_", 1)[1].rsplit(".", 2)[0]
                out[f"{m.version_text}_{name}.{direction}.sql"] = path
    return out


def _strip_marker(text: str) -> str:
    lines = text.split("\n", 1)
    if lines[0].strip().startswith("--") and "dbdesign:no-transaction" in lines[0]:
        return lines[1] if len(lines) > 1 else ""
    return text


def write_pairs(pairs: list[Pair], out: str) -> list[str]:
    """Write pairs as golang-migrate files into `out` (created; must be empty)."""
    _empty_dir(out)
    written = []
    for p in pairs:
        for direction, body in (("up", p.up), ("down", p.down)):
            if body is None:
                continue
            path = os.path.join(out, f"{p.label}.{direction}.sql")
            head = MARKER_LINE + "\n" if p.no_transaction else ""
            _write(path, head + body)
            written.append(path)
    return written


def _empty_dir(out: str) -> None:
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise InputError("output folder exists and is not empty; give a new folder", out)
    os.makedirs(out, exist_ok=True)


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text if text.endswith("\n") or not text else text + "\n")


def _statements(sql: str) -> list[str]:
    """Statements of `sql` as text (on sqlglot's tokens: `;` in strings and `$$` bodies is safe)."""
    from dbdesign.schema.parse import split_statements
    return [s.sql.strip() for s in split_statements(sql) if s.expression is not None]


_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def _check_name(name: str, path: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"migration name {name!r} has characters other than letters, digits, _ and -; "
                         "rename the file", path)
    return name


# -- exporters --------------------------------------------------------------------------------

def _flyway(pairs: list[Pair], out: str, res: ExportResult) -> None:
    for p in pairs:
        for prefix, body in (("V", p.up), ("U", p.down)):
            if body is None:
                continue
            path = os.path.join(out, f"{prefix}{p.version}__{p.name}.sql")
            _write(path, body)
            res.written.append(path)
            if p.no_transaction:
                _write(path + ".conf", "executeInTransaction=false\n")
                res.written.append(path + ".conf")
    res.notes.append("flyway: U (undo) files run only with Flyway Teams/Enterprise `flyway undo`")


def _one_file_per_migration(pairs: list[Pair], out: str, res: ExportResult, text_of) -> None:
    """dbmate and goose: `{version}_{name}.sql` holding both directions."""
    for p in pairs:
        path = os.path.join(out, f"{p.version}_{p.name}.sql")
        _write(path, text_of(p))
        res.written.append(path)


def _dbmate_text(p: Pair) -> str:
    opt = " transaction:false" if p.no_transaction else ""
    return f"-- migrate:up{opt}\n{p.up.strip()}\n\n-- migrate:down{opt}\n{(p.down or '').strip()}\n"


def _goose_body(sql: str) -> str:
    """The SQL as written (comments kept); goose splits on `;` at line ends, so a file with a
    `$$` body has each statement wrapped in StatementBegin/End instead."""
    if "$" not in sql:
        return sql.strip()
    parts = []
    for st in _statements(sql):
        st = st.rstrip(";") + ";"
        parts.append(f"-- +goose StatementBegin\n{st}\n-- +goose StatementEnd" if "$" in st or "\n" in st else st)
    return "\n".join(parts)


def _goose_text(p: Pair) -> str:
    head = "-- +goose NO TRANSACTION\n" if p.no_transaction else ""
    return f"{head}-- +goose Up\n{_goose_body(p.up)}\n\n-- +goose Down\n{_goose_body(p.down or '')}\n"


def _liquibase(pairs: list[Pair], out: str, res: ExportResult) -> None:
    lines = ["--liquibase formatted sql", ""]
    for p in pairs:
        attrs = " runInTransaction:false" if p.no_transaction else ""
        body = p.up.strip()
        split = " splitStatements:false endDelimiter:;;" if "$" in body else ""
        if split:
            body = "\n".join(st.rstrip(";") + ";;" for st in _statements(body))
        lines += [f"--changeset dbdesign:{p.label}{attrs}{split}", body]
        down = [st.rstrip(";") + ";" for st in _statements(p.down or "")]
        lines += [f"--rollback {line}" for st in down for line in st.split("\n")] or ["--rollback not required"]
        lines.append("")
    path = os.path.join(out, "changelog.sql")
    _write(path, "\n".join(lines))
    res.written.append(path)


_ALEMBIC_INI = """[alembic]
script_location = %(here)s
sqlalchemy.url = driver://set-DATABASE_URL

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARNING
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(levelname)s %(message)s
"""

_ALEMBIC_ENV = '''"""Alembic environment for migrations exported by dbdesign: the URL comes from
$DATABASE_URL (a SQLAlchemy URL, e.g. postgresql+psycopg://... or mysql+pymysql://...)."""
import os

from alembic import context
from sqlalchemy import create_engine

url = os.environ.get("DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
'''

_ALEMBIC_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


# sqlalchemy.text()'s bind parameter pattern: op.execute(str) goes through text(), so such a
# colon is escaped with a backslash, which text() renders as a plain colon.
_BIND = re.compile(r"(?<![:\w\\]):(?=\w+(?!:))")


def _text_escape(sql: str) -> str:
    return _BIND.sub(lambda _m: "\\:", sql)


def _alembic_calls(sql: str | None, no_tx: bool) -> str:
    stmts = _statements(sql or "")
    if not stmts:
        return "    pass\n"
    calls = [f"op.execute({json.dumps(_text_escape(st))})" for st in stmts]
    if no_tx:
        return "    with op.get_context().autocommit_block():\n" + "".join(f"        {c}\n" for c in calls)
    return "".join(f"    {c}\n" for c in calls)


def _alembic(pairs: list[Pair], out: str, res: ExportResult) -> None:
    for name, text in (("alembic.ini", _ALEMBIC_INI), ("env.py", _ALEMBIC_ENV), ("script.py.mako", _ALEMBIC_MAKO)):
        _write(os.path.join(out, name), text)
        res.written.append(os.path.join(out, name))
    previous = None
    for p in pairs:
        text = (f'"""{p.name}\n\nExported by dbdesign from {p.label}.up.sql / .down.sql."""\n'
                "from alembic import op\n\n"
                f"revision = {p.version!r}\ndown_revision = {previous!r}\nbranch_labels = None\ndepends_on = None\n"
                f"dbdesign_name = {p.name!r}\n\n\n"
                f"def upgrade():\n{_alembic_calls(p.up, p.no_transaction)}\n\n"
                f"def downgrade():\n{_alembic_calls(p.down, p.no_transaction)}")
        path = os.path.join(out, "versions", f"{p.label}.py")
        _write(path, text)
        res.written.append(path)
        previous = p.version


_KNEXFILE = """// Knex configuration for migrations exported by dbdesign: $KNEX_CLIENT (pg | mysql2) and
// $DATABASE_URL (postgres://... or mysql://...).
module.exports = {
  client: process.env.KNEX_CLIENT || 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: require('path').join(__dirname, 'migrations'), loadExtensions: ['.js'] },
};
"""


def _knex_calls(sql: str | None) -> str:
    # knex.raw treats `?` as a binding: escaped as `\\?`; JSON strings keep every other character.
    return "".join(f"  await knex.raw({json.dumps(st.replace('?', chr(92) + '?'))});\n"
                   for st in _statements(sql or ""))


def _knex(pairs: list[Pair], out: str, res: ExportResult) -> None:
    _write(os.path.join(out, "knexfile.js"), _KNEXFILE)
    res.written.append(os.path.join(out, "knexfile.js"))
    for p in pairs:
        text = (f"// {p.label}: exported by dbdesign\n"
                f"exports.up = async function (knex) {{\n{_knex_calls(p.up)}}};\n\n"
                f"exports.down = async function (knex) {{\n{_knex_calls(p.down)}}};\n")
        if p.no_transaction:
            text += "\nexports.config = { transaction: false };\n"
        path = os.path.join(out, "migrations", f"{p.label}.js")
        _write(path, text)
        res.written.append(path)


def _prisma(pairs: list[Pair], out: str, res: ExportResult, dialect: str) -> None:
    provider = {"postgres": "postgresql", "mysql": "mysql", "sqlite": "sqlite"}.get(dialect, dialect)
    _write(os.path.join(out, "migration_lock.toml"),
           f'# Please do not edit this file manually\nprovider = "{provider}"\n')
    res.written.append(os.path.join(out, "migration_lock.toml"))
    for p in pairs:
        path = os.path.join(out, p.label, "migration.sql")
        _write(path, p.up)
        res.written.append(path)
    res.notes.append("prisma: Prisma Migrate has no down migrations; the down files were not exported "
                     "(roll back with a new migration, or `prisma migrate diff` to write one)")
    if any(p.no_transaction for p in pairs):
        res.notes.append("prisma: Prisma Migrate runs each migration.sql in a transaction on PostgreSQL "
                         "unless it cannot; CONCURRENTLY files need to be run by hand")


def export_folder(directory: str, out: str, fmt: str, dialect: str = "postgres") -> ExportResult:
    """Write the migrations of `directory` into the new folder `out` in the layout of `fmt`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    pairs = read_pairs(directory, dialect)
    _empty_dir(out)
    res = ExportResult()
    if fmt == "prisma":
        _prisma(pairs, out, res, dialect)
    elif fmt in ("dbmate", "goose"):
        _one_file_per_migration(pairs, out, res, _dbmate_text if fmt == "dbmate" else _goose_text)
    else:
        {"flyway": _flyway, "liquibase": _liquibase, "alembic": _alembic, "knex": _knex}[fmt](pairs, out, res)
    return res


# -- importers --------------------------------------------------------------------------------

_FLYWAY = re.compile(r"^(?P<kind>[VU])(?P<version>\d+(?:[._]\d+)*)__(?P<name>.+)\.sql$")
_REPEATABLE = re.compile(r"^R__(?P<name>.+)\.sql$")
_VERSIONED = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.sql$")


def _import_flyway(src: str, res: ExportResult) -> list[Pair]:
    found: dict[str, Pair] = {}
    repeatable = []
    for entry in sorted(os.listdir(src)):
        path = os.path.join(src, entry)
        if entry.endswith(".conf") or not entry.endswith(".sql"):
            continue
        m = _FLYWAY.match(entry)
        if m:
            version = m.group("version")
            if not version.isdigit():
                raise InputError(f"version {version} has dots or underscores; dbdesign versions are whole "
                                 "numbers: rename the file (e.g. V0102__...)", path)
            p = found.setdefault(version, Pair(version, _check_name(m.group("name"), path), "", None))
            text = read_text(path)
            if m.group("kind") == "V":
                p.up = text
            else:
                p.down = text
            conf = path + ".conf"
            if os.path.exists(conf) and re.search(r"executeInTransaction\s*=\s*false", read_text(conf)):
                p.no_transaction = True
        elif _REPEATABLE.match(entry):
            repeatable.append((_REPEATABLE.match(entry).group("name"), path))
        else:
            raise InputError("not a Flyway migration name (V{version}__{name}.sql, U..., R__...); rename it", path)
    pairs = sorted(found.values(), key=lambda p: int(p.version))
    for p in pairs:
        if not p.up:
            raise InputError(f"undo file without its V file for version {p.version}; add V{p.version}__{p.name}.sql", src)
    top = int(pairs[-1].version) if pairs else 0
    for i, (name, path) in enumerate(repeatable, 1):
        pairs.append(Pair(str(top + i).zfill(len(pairs[-1].version) if pairs else 4), _check_name(name, path),
                          read_text(path), "-- a Flyway repeatable migration: re-applied, never undone\n"))
        res.notes.append(f"flyway: repeatable {os.path.basename(path)} became version {top + i}, after "
                         "the versioned ones (Flyway re-runs it when it changes; dbdesign runs it once)")
    return pairs


def _sections(path: str, text: str, up_re: re.Pattern, down_re: re.Pattern) -> tuple[str, str | None, str, str]:
    """(up, down, text before up, the up marker line) of a one-file migration."""
    up = up_re.search(text)
    if up is None:
        raise InputError(f"no `{up_re.pattern}` section; add the up marker line", path, 1)
    down = down_re.search(text)
    if down is not None and down.start() < up.start():
        raise InputError("the down section comes before the up section; put up first", path,
                         text[:down.start()].count("\n") + 1)
    up_sql = text[up.end():down.start() if down else len(text)]
    down_sql = text[down.end():] if down else None
    return up_sql.strip("\n") + "\n", (down_sql.strip("\n") + "\n") if down_sql and down_sql.strip() else None, \
        text[:up.start()], up.group(0)


def _import_one_file(src: str, up_re: re.Pattern, down_re: re.Pattern, no_tx: re.Pattern,
                     clean=lambda s: s) -> list[Pair]:
    pairs = []
    for entry in sorted(os.listdir(src)):
        path = os.path.join(src, entry)
        if not entry.endswith(".sql"):
            continue
        m = _VERSIONED.match(entry)
        if not m:
            raise InputError("not a migration name ({version}_{name}.sql); rename it", path)
        up, down, head, up_line = _sections(path, read_text(path), up_re, down_re)
        pairs.append(Pair(m.group("version"), _check_name(m.group("name"), path), clean(up),
                          clean(down) if down is not None else None, bool(no_tx.search(head + up_line))))
    return sorted(pairs, key=lambda p: int(p.version))


def _goose_clean(sql: str) -> str:
    return re.sub(r"^-- \+goose Statement(Begin|End)\n", "", sql, flags=re.M)


def _import_liquibase(src: str) -> list[Pair]:
    files = [os.path.join(src, e) for e in sorted(os.listdir(src)) if e.endswith(".sql")]
    pairs: list[Pair] = []
    for path in files:
        text = read_text(path)
        if not text.lstrip().lower().startswith("--liquibase formatted sql"):
            raise InputError("not a Liquibase formatted SQL file: the first line must be "
                             "`--liquibase formatted sql`", path, 1)
        current = None
        for n, line in enumerate(text.split("\n"), 1):
            m = re.match(r"^--\s*changeset\s+([^:\s]+):(\S+)(.*)$", line)
            if m:
                ident, attrs = m.group(2), m.group(3)
                v = _VERSIONED.match(ident + ".sql")
                version, name = (v.group("version"), v.group("name")) if v else (str(len(pairs) + 1).zfill(4), ident)
                current = Pair(version, _check_name(name, path), "", None, "runInTransaction:false" in attrs)
                current.delimiter = ";;" if "endDelimiter:;;" in attrs else None
                pairs.append(current)
            elif line.startswith("--rollback"):
                if current is None:
                    raise InputError("--rollback before any --changeset", path, n)
                body = line[len("--rollback"):].lstrip()
                current.down = (current.down or "") + ("" if body == "not required" else body + "\n")
            elif current is not None and not re.match(r"^--\s*(comment|preconditions|precondition-)", line):
                current.up += line + "\n"
    for p in pairs:
        p.up = p.up.strip("\n") + "\n"
        if getattr(p, "delimiter", None):
            p.up = p.up.replace(";;\n", ";\n")
    return pairs


def _import_alembic(src: str) -> list[Pair]:
    import ast
    folder = os.path.join(src, "versions") if os.path.isdir(os.path.join(src, "versions")) else src
    by_rev, parent = {}, {}
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith(".py"):
            continue
        path = os.path.join(folder, entry)
        try:
            tree = ast.parse(read_text(path), path)
        except SyntaxError as err:
            raise InputError(f"Python syntax error: {err.msg}", path, err.lineno, err.offset) from None
        consts, bodies = {}, {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                with contextlib.suppress(ValueError):
                    consts[node.targets[0].id] = ast.literal_eval(node.value)
            if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
                bodies[node.name] = node
        if "revision" not in consts:
            raise InputError("no `revision = ...` line; not an Alembic revision file", path)
        sql = {k: _op_execute_sql(f, path) for k, f in bodies.items()}
        no_tx = any(isinstance(n, ast.With) for f in bodies.values() for n in ast.walk(f)
                    if isinstance(n, ast.With) and "autocommit_block" in ast.unparse(n.items[0].context_expr))
        rev = str(consts["revision"])
        name = consts.get("dbdesign_name") or re.sub(r"^\w+?_", "", entry[:-3], count=1) or rev
        by_rev[rev] = Pair(rev, _check_name(str(name), path), sql.get("upgrade", ""),
                           sql.get("downgrade"), no_tx)
        parent[rev] = consts.get("down_revision")
    pairs, rev, seen = [], None, set()
    children = {p: r for r, p in parent.items()}
    if len(children) != len(parent):
        raise InputError("the revisions branch (two revisions share a down_revision); merge them first", folder)
    while rev in children:
        rev = children[rev]
        if rev in seen:
            raise InputError("the revision chain loops", folder)
        seen.add(rev)
        pairs.append(by_rev[rev])
    if len(pairs) != len(by_rev):
        raise InputError("some revisions are not on the chain from the base revision", folder)
    for i, p in enumerate(pairs, 1):
        if not p.version.isdigit():
            p.version = str(i).zfill(4)
    return pairs


def _op_execute_sql(fn, path: str) -> str:
    import ast
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "op.execute":
            try:
                text = ast.literal_eval(node.args[0])
            except (ValueError, IndexError):
                raise InputError("op.execute with something other than a string literal; dbdesign "
                                 "imports SQL only", path, node.lineno) from None
            out.append(text.replace("\\:", ":").rstrip().rstrip(";") + ";")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).startswith("op.") and \
                ast.unparse(node.func) not in ("op.get_context", "op.get_context().autocommit_block"):
            raise InputError(f"{ast.unparse(node.func)}(...) is not SQL; dbdesign imports op.execute only "
                             "(`alembic upgrade --sql` writes the SQL of any revision)", path, node.lineno)
    return "\n".join(out) + ("\n" if out else "")


def _import_knex(src: str) -> list[Pair]:
    folder = os.path.join(src, "migrations") if os.path.isdir(os.path.join(src, "migrations")) else src
    pairs = []
    call = re.compile(r"knex\.raw\(\s*(\"(?:[^\"\\]|\\.)*\")\s*\)")
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith(".js"):
            continue
        path = os.path.join(folder, entry)
        m = re.match(r"^(?P<version>\d+)_(?P<name>.+)\.js$", entry)
        if not m:
            raise InputError("not a Knex migration name ({version}_{name}.js); rename it", path)
        text = read_text(path)
        parts = re.split(r"exports\.down\s*=", text, maxsplit=1)
        if not parts[0].count("exports.up"):
            raise InputError("no `exports.up = ...`; not a Knex migration", path)

        def sql_of(chunk: str) -> str:
            return "".join(json.loads(s).replace("\\?", "?").rstrip().rstrip(";") + ";\n" for s in call.findall(chunk))
        pairs.append(Pair(m.group("version"), _check_name(m.group("name"), path), sql_of(parts[0]),
                          sql_of(parts[1]) if len(parts) > 1 else None,
                          bool(re.search(r"transaction\s*:\s*false", text))))
    return sorted(pairs, key=lambda p: int(p.version))


def _import_prisma(src: str, res: ExportResult) -> list[Pair]:
    pairs = []
    for entry in sorted(os.listdir(src)):
        path = os.path.join(src, entry, "migration.sql")
        if not os.path.isdir(os.path.join(src, entry)):
            continue
        m = re.match(r"^(?P<version>\d+)_(?P<name>.+)$", entry)
        if not m or not os.path.exists(path):
            raise InputError("not a Prisma migration folder ({timestamp}_{name}/migration.sql)", os.path.join(src, entry))
        pairs.append(Pair(m.group("version"), _check_name(m.group("name"), path), read_text(path), None))
    res.notes.append("prisma: no down files (Prisma Migrate has none); `dbdesign migrate lint` reports "
                     "each as migration-down-missing until you write them")
    return sorted(pairs, key=lambda p: int(p.version))


def import_folder(src: str, out: str, fmt: str) -> ExportResult:
    """Read the `fmt` layout in `src` and write golang-migrate pairs into the new folder `out`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not os.path.isdir(src):
        raise InputError(f"no such folder; give the {fmt} migrations folder", src)
    res = ExportResult()
    if fmt == "flyway":
        pairs = _import_flyway(src, res)
    elif fmt == "dbmate":
        pairs = _import_one_file(src, re.compile(r"^-- migrate:up\b.*$", re.M),
                                 re.compile(r"^-- migrate:down\b.*$", re.M), re.compile(r"transaction:false"))
    elif fmt == "goose":
        pairs = _import_one_file(src, re.compile(r"^-- \+goose Up\b.*$", re.M | re.I),
                                 re.compile(r"^-- \+goose Down\b.*$", re.M | re.I),
                                 re.compile(r"^-- \+goose NO TRANSACTION", re.M | re.I), _goose_clean)
    elif fmt == "liquibase":
        pairs = _import_liquibase(src)
    elif fmt == "alembic":
        pairs = _import_alembic(src)
    elif fmt == "knex":
        pairs = _import_knex(src)
    else:
        pairs = _import_prisma(src, res)
    if not pairs:
        raise InputError(f"no {fmt} migrations found", src)
    for p in pairs:  # every imported file must parse before anything is written
        from dbdesign.schema.parse import split_statements
        for direction, body in (("up", p.up), ("down", p.down)):
            if body:
                split_statements(body, os.path.join(src, f"{p.label} ({direction})"))
    res.written = write_pairs(pairs, out)
    return res


# -- proof with the real tools ------------------------------------------------------------------

# Tools that install from the package registries here, and the bookkeeping tables they keep.
TOOL_TABLES = {"dbmate": {"schema_migrations"}, "knex": {"knex_migrations", "knex_migrations_lock"},
               "alembic": {"alembic_version"}}
INTEROP_DIR = os.path.join("build", "interop")


def tool_command(fmt: str, root: str | os.PathLike = REPO_ROOT) -> list[str] | None:
    """The real tool's executable for `fmt` (None when it is not installed): dbmate and knex
    from `make interop-tools` (build/interop), alembic beside this Python."""
    import shutil
    import sys
    if fmt in ("dbmate", "knex"):
        path = os.path.join(root, INTEROP_DIR, "node_modules", ".bin", fmt)
        return [os.path.abspath(path)] if os.access(path, os.X_OK) else None
    if fmt == "alembic":
        path = os.path.join(os.path.dirname(sys.executable), "alembic")
        return [path] if os.access(path, os.X_OK) else ([shutil.which("alembic")] if shutil.which("alembic") else None)
    return None


def _tool_urls(url: str) -> tuple[str, str, str]:
    """(dbmate URL, knex client, SQLAlchemy URL) for one of our database URLs."""
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        return (urlunsplit(parts._replace(scheme="postgres", query="sslmode=disable")), "pg",
                urlunsplit(parts._replace(scheme="postgresql+psycopg")))
    return urlunsplit(parts._replace(scheme="mysql")), "mysql2", urlunsplit(parts._replace(scheme="mysql+pymysql"))


def run_tool(fmt: str, folder: str, url: str, direction: str, steps: int = 1, root: str = REPO_ROOT) -> str:
    """Run the real tool of `fmt` on an exported `folder`: `up` applies everything, `down`
    rolls everything back (`steps` = how many migrations there are, for dbmate's one-at-a-time
    rollback). Returns the tool's output; a failure raises EngineError with it."""
    import subprocess
    cmd = tool_command(fmt, root)
    if cmd is None:
        raise InputError(f"{fmt} is not installed here (`make interop-tools`, requirements.txt)")
    dbmate_url, knex_client, sa_url = _tool_urls(url)
    env = {**os.environ}
    cleanup: list[str] = []
    runs: list[list[str]]
    if fmt == "dbmate":
        base = cmd + ["--url", dbmate_url, "--migrations-dir", folder, "--no-dump-schema"]
        runs = [base + ["up"]] if direction == "up" else [base + ["rollback"]] * steps
    elif fmt == "knex":
        env.update(KNEX_CLIENT=knex_client, DATABASE_URL=url if knex_client == "mysql2" else dbmate_url)
        # knex's CLI loads the knex package from beside the knexfile: a one-line knexfile in
        # the install folder loads the exported one
        shim = os.path.join(root, INTEROP_DIR, f"knexfile-{os.getpid()}-{id(folder):x}.js")
        _write(shim, f"module.exports = require({json.dumps(os.path.abspath(os.path.join(folder, 'knexfile.js')))});\n")
        cleanup.append(shim)
        base = cmd + ["--knexfile", shim]
        runs = [base + (["migrate:latest"] if direction == "up" else ["migrate:rollback", "--all"])]
    elif fmt == "alembic":
        env.update(DATABASE_URL=sa_url)
        base = cmd + ["-c", os.path.join(folder, "alembic.ini")]
        runs = [base + (["upgrade", "head"] if direction == "up" else ["downgrade", "base"])]
    else:
        raise InputError(f"no real tool to run for {fmt} here")
    out = []
    try:
        for argv in runs:
            proc = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
            out.append(proc.stdout + proc.stderr)
            if proc.returncode != 0:
                raise EngineError(f"{fmt} {direction} failed (exit {proc.returncode}): "
                                  f"{(proc.stderr or proc.stdout).strip()[-400:]}")
    finally:
        for path in cleanup:
            with contextlib.suppress(OSError):
                os.remove(path)
    return "".join(out)


def tool_version(fmt: str, root: str = REPO_ROOT) -> str | None:
    import subprocess
    cmd = tool_command(fmt, root)
    if cmd is None:
        return None
    flag = {"dbmate": ["--version"], "knex": ["--version"], "alembic": ["--version"]}[fmt]
    proc = subprocess.run(cmd + flag, capture_output=True, text=True, timeout=60)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else None


@dataclass
class RoundTrip:
    """Export, the real tool up, introspect and diff against our runner's result, the tool down."""
    fmt: str
    engine: str
    tool_version: str
    tables: int  # tables the tool's up created
    up_differences: list[str]
    left_after_down: list[str]

    @property
    def ok(self) -> bool:
        return not self.up_differences and not self.left_after_down


def round_trip(directory: str, fmt: str, engine_name: str, root: str = REPO_ROOT) -> RoundTrip:
    """Prove an export with the real tool on a throw-away database of `engine_name`: the schema
    after the tool's `up` equals the one our runner builds from `directory` (both introspected,
    `dbdesign.schema.diff`), and the tool's `down` leaves no table but its own bookkeeping."""
    import tempfile

    from dbdesign import engines
    from dbdesign.schema.diff import diff
    from dbdesign.migrate.runner import Migrator
    dialect = engines.engine_class(engine_name).dialect
    with tempfile.TemporaryDirectory(prefix="dbdesign-export-") as tmp:
        folder = os.path.join(tmp, fmt)
        export_folder(directory, folder, fmt, dialect)
        with engines.throwaway(engine_name) as ours:
            Migrator(directory, ours).up()
            expected = ours.introspect()
        with engines.throwaway(engine_name) as theirs:
            count = len(read_pairs(directory, dialect))
            run_tool(fmt, folder, theirs.url, "up", root=root)
            actual = theirs.introspect()
            for t in TOOL_TABLES[fmt]:
                actual.tables.pop(t, None)
            changes = [str(c) for c in diff(expected, actual, engine=engine_name).changes]
            run_tool(fmt, folder, theirs.url, "down", steps=count, root=root)
            left = sorted(set(theirs.introspect().tables) - TOOL_TABLES[fmt])
    return RoundTrip(fmt, engine_name, tool_version(fmt, root) or "?", len(actual.tables), changes, left)
