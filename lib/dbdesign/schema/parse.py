"""Schema DDL as teams have it -> `Schema`: pg_dump / psql scripts, MySQL/MariaDB DDL
(`mysqldump --no-data`), SQLite `.schema` output; `read` names the input engine.

The input is split statement by statement without tokenising the whole file (a 50 MB dump
streams through in bounded memory), and each statement is
- *classified* first, by its leading words: statements with no design effect (ownership,
  grants, SET, psql meta-commands, data, transaction control, function bodies) become
  `Schema.skipped` entries without being parsed at all;
- otherwise parsed by sqlglot in the input engine's dialect, identifiers folded as that engine
  folds them (PostgreSQL: lower case unless quoted; MySQL: as written; SQLite: case-insensitive,
  first spelling wins), and *applied* to the model in order, so a migrations folder is read by
  applying its up files one after another (`source`).
Types, defaults and expressions are kept as PostgreSQL-dialect text whatever the input (sqlglot
writes the parsed AST back as PostgreSQL). A statement that cannot be modelled is recorded as
"not understood" with its file and line; a syntax error in a table, index or constraint is bad
input (`file:line:col`, exit 2).
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dbdesign.errors import InputError
from dbdesign.model import (CheckConstraint, Column, Diagnostic, Domain, EnumType, ForeignKey, Index,
                    IndexColumn, OtherObject, PrimaryKey, Schema, Skipped, SourceRef, Table,
                    UniqueConstraint)

DIALECT = "postgres"
_FK_ACTIONS = ("CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION")
# Statements that change data, not schema: understood, and deliberately not modelled.
_DATA_STATEMENTS = (exp.Insert, exp.Update, exp.Delete, exp.Select, exp.Merge)
# Statements about sessions, permissions or transactions: understood, no effect on the model.
_NEUTRAL_STATEMENTS = (exp.Grant, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Use)
# A statement sqlglot cannot parse is a syntax error (exit 2) when it is one the model is built
# from; any other SQL verb is recorded as "not understood" and the reading goes on.
_MODEL_STATEMENT = re.compile(
    r"(?:CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)|ALTER\s+TABLE|DROP\s+(?:TABLE|INDEX))\b", re.I)
_SQL_VERB = re.compile(r"[A-Za-z]+\b")
UNNAMED_CHECK = "dbdesign_unnamed_check"
FAST_PATH = True  # read plain pg_dump statements without sqlglot (see _FastPath); False for tests

logging.getLogger("sqlglot").setLevel(logging.ERROR)

READS = ("postgres", "mysql", "sqlite")
# The input engine of this run (`--read`), for readers that are not given one: the migration
# runner, lint and renderer read files through `split_statements` / `parse_sql` deep inside.
_CURRENT_READ: contextvars.ContextVar[str] = contextvars.ContextVar("dbdesign_read", default="postgres")


def current_read() -> str:
    """The input engine of the running command (`--read`), postgres unless `reading` set it."""
    return _CURRENT_READ.get()


@contextlib.contextmanager
def reading(read: str | None):
    """Within the block, statements are read as `read` (postgres | mysql | sqlite) unless a
    caller names another; None keeps the current one."""
    token = _CURRENT_READ.set(read) if read else None
    try:
        yield
    finally:
        if token is not None:
            _CURRENT_READ.reset(token)
_SQLGLOT_READ = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
_ENGINE_NAME = {"postgres": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}

# What the splitter must step over as a whole: comments, quoted strings and names, dollar
# quotes. The scanner only finds where one may start (one short regex per input dialect and
# delimiter: fast on 50 MB); the body is then matched from there. `;` (or the MySQL DELIMITER)
# ends a statement.
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_BODIES = {
    "postgres": {"'": re.compile(r"'(?:[^']|'')*'"), '"': re.compile(r'"(?:[^"]|"")*"'),
                 "E'": re.compile(r"'(?:[^'\\]|\\.|'')*'", re.S)},
    "mysql": {"'": re.compile(r"'(?:[^'\\]|\\.|'')*'", re.S),
              '"': re.compile(r'"(?:[^"\\]|\\.|"")*"', re.S), "`": re.compile(r"`(?:[^`]|``)*`")},
    "sqlite": {"'": re.compile(r"'(?:[^']|'')*'"), '"': re.compile(r'"(?:[^"]|"")*"'),
               "`": re.compile(r"`(?:[^`]|``)*`"), "[": re.compile(r"\[[^\]\n]*\]")},
}
# Name characters as classes that exclude ASCII punctuation instead of spanning \x80-\U0010ffff
# (the same sets; a range to \U0010ffff costs ~5 ms per pattern compile, ~0.7 s at import).
_NAME_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"  # = [A-Za-z_\x80-\U0010ffff]
_NAME_CHAR = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # = [\w$\x80-\U0010ffff]
_DOLLAR_TAG = re.compile(rf"\$(?:{_NAME_START}{_NAME_CHAR}*)?\$")
_SKIP_SPACE = re.compile(r"(?:\s+|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_TRIGGER_HEAD = re.compile(r"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b", re.I)
_ATOMIC = re.compile(r"\bBEGIN\s+ATOMIC\b", re.I)
_ROUTINE_HEAD = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b", re.I)  # BEGIN ATOMIC's homes
_ENDS_WITH_END = re.compile(r"\bEND\s*$", re.I)
_COPY_STDIN = re.compile(r"COPY\b[^;]*\bFROM\s+stdin\b", re.I)


def _scanner(read: str, delimiter: str) -> re.Pattern:
    starts = {"postgres": r"--|/\*|['\"`$]", "mysql": r"--|\#|/\*|['\"`]",
              "sqlite": r"--|/\*|['\"`\[]"}[read]
    return re.compile(f"{starts}|{re.escape(delimiter)}")


@dataclass
class RawStatement:
    """One statement's text as written, where it starts, and `meta` for a client command
    (psql's backslash commands, MySQL's DELIMITER) that is not SQL."""
    sql: str
    line: int
    col: int
    meta: str | None = None


def iter_raw(text: str, read: str | None = None, file: str | None = None) -> Iterator[RawStatement]:
    """Split `text` into statements lazily, one at a time, without tokenising the whole input
    (a 50 MB dump is never held as tokens). Knows psql meta-commands (a line starting with a
    backslash), `COPY ... FROM stdin` data, MySQL's `DELIMITER` and `/*!...*/` version comments,
    SQLite's bracketed names and `BEGIN ... END` trigger bodies, and PostgreSQL dollar quotes
    and `BEGIN ATOMIC` bodies."""
    read = read or _CURRENT_READ.get()
    if read == "mysql":
        text = _MYSQL_VERSION_COMMENT.sub(lambda m: " " * 3 + m.group(1) + "  ", text)
    delimiter = ";"
    scan = _scanner(read, delimiter)
    n = len(text)
    pos = 0
    line = 1  # line number at `line_pos`
    line_pos = 0

    def line_col(offset: int) -> tuple[int, int]:
        nonlocal line, line_pos
        line += text.count("\n", line_pos, offset)
        line_pos = offset
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

    while True:
        pos = _SKIP_SPACE.match(text, pos).end()
        if pos >= n:
            return
        if text.startswith("/*", pos):  # an unclosed block comment
            ln, col = line_col(pos)
            raise InputError("unterminated comment starts here; close it with */", file, ln, col)
        start = pos
        if read == "postgres" and text[pos] == "\\":
            end = text.find("\n", pos)
            end = n if end < 0 else end
            ln, col = line_col(start)
            cmd = text[start:end].rstrip()
            yield RawStatement(cmd, ln, col, meta=cmd.split()[0])
            pos = end
            continue
        if read == "mysql" and re.match(r"DELIMITER[ \t]", text[pos:pos + 10], re.I):
            end = text.find("\n", pos)
            end = n if end < 0 else end
            ln, col = line_col(start)
            cmd = text[start:end].strip()
            parts = cmd.split()
            if len(parts) < 2:
                raise InputError("DELIMITER needs a delimiter", file, ln, col)
            delimiter = parts[1]
            scan = _scanner(read, delimiter)
            yield RawStatement(cmd, ln, col, meta="DELIMITER")
            pos = end
            continue
        trigger = read == "sqlite" and bool(_TRIGGER_HEAD.match(text, pos))
        atomic_checked = False
        atomic = False
        bodies = _BODIES[read]
        while True:
            m = scan.search(text, pos)
            if m is None:
                end = n
                body_end = n
                break
            tok = m.group(0)
            at = m.start()
            if tok == delimiter:
                if read == "postgres" and not atomic_checked:
                    atomic_checked = True
                    atomic = bool(_ROUTINE_HEAD.match(text, start) and _ATOMIC.search(text, start, at))
                if (trigger or atomic) and not _ENDS_WITH_END.search(text, start, at):
                    pos = m.end()
                    continue
                body_end = at
                end = m.end()
                break
            if tok in ("--", "#"):
                stop = text.find("\n", at)
                pos = n if stop < 0 else stop
            elif tok == "/*":
                close = _block_comment_end(text, m.end(), nested=read == "postgres")
                if close < 0:
                    ln, col = line_col(at)
                    raise InputError("unterminated comment starts here; close it with */", file, ln, col)
                pos = close
            elif tok == "$":
                tag = _DOLLAR_TAG.match(text, at)
                if tag is None or (at > 0 and text[at - 1] in _IDENT_CHARS):
                    pos = at + 1
                    continue
                close = text.find(tag.group(0), tag.end())
                if close < 0:
                    ln, col = line_col(at)
                    raise InputError(f"unterminated {tag.group(0)} quote starts here; close it",
                                     file, ln, col)
                pos = close + len(tag.group(0))
            elif tok == "`" and read == "postgres":
                ln, col = line_col(at)
                raise InputError("a `name` in backquotes is MySQL's, not PostgreSQL's; read the "
                                 "file with --read mysql (or quote names with \"...\")", file, ln, col)
            else:
                body = bodies.get(tok)
                if tok == "'" and read == "postgres" and at > 0 and text[at - 1] in "Ee" \
                        and (at < 2 or text[at - 2] not in _IDENT_CHARS):
                    body = bodies["E'"]  # E'...' escape string: backslashes escape
                q = body.match(text, at) if body is not None else None
                if q is None:
                    ln, col = line_col(at)
                    raise InputError("unterminated string, quoted name or comment starts here; "
                                     "close it", file, ln, col)
                pos = q.end()
        sql = text[start:body_end].rstrip()
        ln, col = line_col(start)
        if sql:
            yield RawStatement(sql, ln, col)
        pos = end
        if read == "postgres" and _COPY_STDIN.match(sql):
            stop = text.find("\n\\.", pos)
            pos = n if stop < 0 else stop + 3


_MYSQL_VERSION_COMMENT = re.compile(r"/\*!\d*(.*?)\*/", re.S)


def _block_comment_end(text: str, pos: int, nested: bool) -> int:
    """Offset just after the `*/` closing a comment opened before `pos` (-1 if none);
    PostgreSQL comments nest."""
    depth = 1
    while True:
        close = text.find("*/", pos)
        if close < 0:
            return -1
        if nested:
            opened = text.find("/*", pos, close)
            if opened >= 0:
                depth += 1
                pos = opened + 2
                continue
        depth -= 1
        pos = close + 2
        if depth == 0:
            return pos


# -- statements -----------------------------------------------------------------------------

@dataclass
class Statement:
    sql: str  # as written (what a runner executes)
    line: int
    col: int
    expression: exp.Expression | None  # None for a client meta-command
    meta: str | None = None  # "\\c", "\\set", "DELIMITER": a client command, not SQL


_N = rf'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|{_NAME_CHAR}+)'
_QN = rf"{_N}(?:\s*\.\s*{_N})*"
_F = re.I | re.S

# Statements without design effect: (pattern on the statement's start, kind, reason). The kind
# is what the summary counts ("58 OWNER TO, 6 GRANT"); "{0}" takes the pattern's first group.
_NO_EFFECT = [(re.compile(p, _F), kind, reason) for p, kind, reason in [
    (r"ALTER\s.*\bOWNER\s+TO\s+\S+\s*$", "OWNER TO", "ownership"),
    (r"(GRANT|REVOKE)\b", "{0}", "privileges"),
    (r"ALTER\s+DEFAULT\s+PRIVILEGES\b", "ALTER DEFAULT PRIVILEGES", "privileges"),
    (r"(SET|RESET)\b", "SET", "session setting"),
    (r"SELECT\s+(?:pg_catalog\.)?set_config\s*\(", "SELECT set_config", "session setting"),
    (r"SELECT\s+(?:pg_catalog\.)?setval\s*\(", "SELECT setval", "sequence position (data)"),
    (r"(INSERT|UPDATE|DELETE|COPY|TRUNCATE|MERGE|REPLACE|SELECT|WITH|VALUES)\b", "{0}",
     "data, not schema"),
    (r"(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION|SAVEPOINT|RELEASE|ABORT)\b", "{0}",
     "transaction control"),
    (r"((?:UN)?LOCK)\s+TABLES?\b", "{0} TABLES", "session lock"),
    (r"(LOCK|VACUUM|ANALYZE|CLUSTER|REINDEX|CHECKPOINT|DISCARD|NOTIFY|LISTEN|UNLISTEN|LOAD|"
     r"FLUSH|OPTIMIZE|REFRESH\s+MATERIALIZED\s+VIEW|SECURITY\s+LABEL|PREPARE|EXECUTE|"
     r"DEALLOCATE|CALL|DO)\b", "{0}", "maintenance or session command"),
    (r"PRAGMA\b", "PRAGMA", "SQLite connection setting"),
    (r"USE\b", "USE", "selects a database"),
    (r"(CREATE|DROP|ALTER)\s+(DATABASE|ROLE|USER|GROUP|TABLESPACE|PUBLICATION|SUBSCRIPTION|"
     r"SERVER|USER\s+MAPPING|FOREIGN\s+DATA\s+WRAPPER|POLICY|EVENT\s+TRIGGER)\b", "{0} {1}",
     "not part of the schema design"),
    (r"COMMENT\s+ON\s+(FUNCTION|PROCEDURE|AGGREGATE|ROUTINE|EXTENSION|SCHEMA|TRIGGER|TYPE|"
     r"DOMAIN|SEQUENCE|OPERATOR|DATABASE|ROLE|POLICY|RULE|COLLATION|CONVERSION|LANGUAGE|"
     r"TEXT\s+SEARCH|EVENT\s+TRIGGER|PUBLICATION|SUBSCRIPTION|SERVER|CAST|ACCESS\s+METHOD|"
     r"LARGE\s+OBJECT|TABLESPACE|FOREIGN|VIEW|MATERIALIZED\s+VIEW)\b", "COMMENT ON {0}",
     "comment on an object the model does not describe"),
    (r"ALTER\s+(FUNCTION|PROCEDURE|AGGREGATE|ROUTINE|SCHEMA|EXTENSION|TEXT\s+SEARCH|LANGUAGE|"
     r"OPERATOR|COLLATION|CONVERSION|TRIGGER|RULE|LARGE\s+OBJECT|STATISTICS|SYSTEM)\b",
     "ALTER {0}", "no design effect"),
    (r"ALTER\s+SEQUENCE\b(?!.*\bOWNED\s+BY\b)", "ALTER SEQUENCE", "sequence options"),
    (r"ALTER\s+(?:MATERIALIZED\s+)?VIEW\b", "ALTER VIEW", "view options"),
    (r"ALTER\s+TABLE\s.*\b(CLUSTER\s+ON|REPLICA\s+IDENTITY|SET\s+STATISTICS|SET\s+STORAGE|"
     r"SET\s+COMPRESSION|(?:ENABLE|DISABLE)\s+(?:ALWAYS\s+|REPLICA\s+)?(?:TRIGGER|RULE|ROW)|"
     r"FORCE\s+ROW|SET\s+(?:LOGGED|UNLOGGED|TABLESPACE|ACCESS\s+METHOD|WITHOUT\s+(?:OIDS|CLUSTER))|"
     r"(?:SET|RESET)\s*\(|AUTO_INCREMENT\s*=)", "ALTER TABLE {0}", "storage or session option"),
    (r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`\[]?sqlite_", "CREATE TABLE sqlite_*",
     "SQLite's own bookkeeping table"),
    (r"CREATE\s+STATISTICS\b", "CREATE STATISTICS", "planner statistics"),
]]

# CREATE statements of objects kept verbatim as named objects (rendering order, dependencies)
# but without design effect on tables: functions, procedures, triggers, ...
_CREATE_OTHER = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:CONSTRAINT\s+)?"
    r"(FUNCTION|PROCEDURE|AGGREGATE|OPERATOR(?:\s+CLASS|\s+FAMILY)?|CAST|LANGUAGE|"
    r"(?:TRUSTED\s+)?(?:PROCEDURAL\s+)?LANGUAGE|COLLATION|CONVERSION|TEXT\s+SEARCH\s+\w+|RULE|"
    r"ACCESS\s+METHOD|TRANSFORM|(?:TEMP(?:ORARY)?\s+)?TRIGGER|EVENT)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"({_QN}|\()", _F)
_TRIGGER_PARTS = re.compile(rf"\bON\s+({_QN})(?:.*?\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+({_QN}))?",
                            _F)


def _skip_kind(kind: str, m: re.Match) -> str:
    groups = [" ".join(g.upper().split()) for g in m.groups() if g]
    return kind.format(*groups) if groups else kind


class _Reader:
    """Per input: the dialect, identifier folding and the rewrites sqlglot needs."""

    def __init__(self, read: str | None = None, file: str | None = None, fold: bool = True):
        read = read or _CURRENT_READ.get()
        if read not in READS:
            raise InputError(f"unknown --read {read!r}; use one of {', '.join(READS)}", file)
        self.read = read
        self.file = file
        self.fold_names = fold
        self.spelling: dict[str, str] = {}  # SQLite: first spelling of each name

    def name(self, raw: str) -> str:
        """One identifier as written -> the name the engine stores."""
        if raw[:1] in '"`[':
            inner = raw[1:-1]
            q = raw[0]
            if q in '"`':
                inner = inner.replace(q * 2, q)
            return self._same(inner) if self.read == "sqlite" and self.fold_names else inner
        if not self.fold_names:
            return raw
        if self.read == "postgres":  # folds ASCII letters only
            return raw.lower() if raw.isascii() else raw.translate(_ASCII_LOWER)
        if self.read == "sqlite":
            return self._same(raw)
        return raw

    def _same(self, name: str) -> str:
        return self.spelling.setdefault(name.lower(), name)

    def qualname(self, raw: str) -> str:
        if "." not in raw:  # one name, most of a dump
            return self.name(raw.strip())
        parts = [self.name(p.strip()) for p in re.findall(_N, raw)]
        if len(parts) > 1 and parts[-2] == "public":
            parts = parts[-1:]
        return ".".join(parts[-2:])

    def fold(self, e: exp.Expression) -> exp.Expression:
        if self.read != "postgres":  # a MySQL database / SQLite attached file is not a schema
            for t in e.find_all(exp.Table):
                if t.args.get("db") is not None:
                    t.set("db", None)
        if not self.fold_names or self.read == "mysql":
            return e
        for ident in e.find_all(exp.Identifier):
            name = ident.this
            if not isinstance(name, str):
                continue
            if self.read == "postgres":
                if not ident.quoted:
                    ident.set("this", name.translate(_ASCII_LOWER))
            else:
                ident.set("this", self._same(name))
        return e

    def rewrite(self, sql: str) -> str:
        """Spellings sqlglot misreads or refuses, rewritten to ones it reads the same way."""
        head = sql[:200]
        if _INDEX_ON_ONLY.match(head):
            sql = _INDEX_ON_ONLY.sub(r"\1", sql, count=1)
        elif _RENAME_COLUMN.match(sql):
            sql = _RENAME_COLUMN.sub(r"\1 RENAME COLUMN \2 TO", sql, count=1)
        elif _ADD_CHECK.search(sql) and re.match(r"ALTER\s+TABLE\b", head, re.I):
            sql = _ADD_CHECK.sub(f"ADD CONSTRAINT {UNNAMED_CHECK} CHECK", sql)
        if self.read == "postgres" and _TABLE_DDL.match(head):
            # `cube` (extension type) is a keyword to sqlglot; PostgreSQL 18's VIRTUAL generated
            # columns are read as generated columns (the model does not tell stored from virtual).
            sql = _CUBE_TYPE.sub('"cube"', sql)
            sql = _VIRTUAL.sub(")", sql)
        return sql

    def parse(self, raw: RawStatement, lenient: bool = True) -> exp.Expression:
        """sqlglot's AST of one statement (folded). A statement sqlglot cannot read becomes an
        `exp.Command` unless it builds the model (then: syntax error, exit 2)."""
        text = self.rewrite(raw.sql)
        try:
            e = sqlglot.parse_one(text, read=_SQLGLOT_READ[self.read])
        except (ParseError, TokenError) as err:
            verb = _SQL_VERB.match(raw.sql)
            if not lenient or verb is None or _MODEL_STATEMENT.match(raw.sql) \
                    or verb.group(0).upper() not in _KNOWN_VERBS:
                _raise_parse_error(err, self.file, raw.line, raw.col, self.read)
            cmd = exp.Command(this=verb.group(0).upper(), expression=raw.sql[verb.end():])
            cmd.meta["unparsed"] = clean_message(_first_error(err))
            return cmd
        if e is None:
            return exp.Command(this="", expression="")
        return self.fold(e)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_KNOWN_VERBS = {"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "SET", "RESET", "SELECT",
                "INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE", "BEGIN", "COMMIT", "ROLLBACK",
                "START", "END", "LOCK", "UNLOCK", "VACUUM", "ANALYZE", "CLUSTER", "REINDEX",
                "CHECKPOINT", "DISCARD", "NOTIFY", "LISTEN", "SECURITY", "REFRESH", "IMPORT",
                "REASSIGN", "DO", "CALL", "PREPARE", "EXECUTE", "DEALLOCATE", "LOAD", "PRAGMA",
                "USE", "WITH", "VALUES", "REPLACE", "MERGE", "SAVEPOINT", "RELEASE", "ABORT",
                "FLUSH", "OPTIMIZE", "RENAME", "EXPLAIN", "SHOW", "DECLARE", "FETCH", "CLOSE",
                "MOVE", "ATTACH", "DETACH"}
_INDEX_ON_ONLY = re.compile(r"(CREATE\s+(?:UNIQUE\s+)?INDEX\b.*?\bON)\s+ONLY\b", _F)
_RENAME_COLUMN = re.compile(
    rf"(ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_QN})\s+RENAME\s+"
    rf"(?!COLUMN\b|CONSTRAINT\b|TO\b)({_N})\s+TO\b", _F)
_ADD_CHECK = re.compile(r"\bADD\s+CHECK\b", re.I)
_TABLE_DDL = re.compile(r"(?:CREATE\s+(?:(?:UNLOGGED|TEMP|TEMPORARY)\s+)?TABLE|ALTER\s+TABLE)\b", re.I)
_CUBE_TYPE = re.compile(r"(?<=\s)cube(?=\s*(?:,|\)|\[|NOT\b|NULL\b|DEFAULT\b|$))", re.I)
_VIRTUAL = re.compile(r"\)\s*VIRTUAL\b", re.I)


def _first_error(err: Exception) -> str:
    detail = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
    return detail.get("description") or (str(err).splitlines() or ["?"])[0]


def _raise_parse_error(err: Exception, file: str | None, base_line: int, base_col: int,
                       read: str = "postgres") -> None:
    detail = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
    line = detail.get("line") or 1
    col = detail.get("col") or 1
    desc = clean_message(detail.get("description") or str(err).splitlines()[0])
    abs_line = base_line + line - 1
    abs_col = col + base_col - 1 if line == 1 else col
    hint = f"{_ENGINE_NAME[read]} dialect expected" + ("" if read != "postgres" else
                                                       "; --read mysql|sqlite for other engines")
    raise InputError(f"syntax error: {desc}; fix the statement ({hint})", file, abs_line, abs_col) from None


def split_statements(text: str, file: str | None = None, read: str | None = None) -> list[Statement]:
    """Every statement of `text` with its 1-based line/col, each parsed by sqlglot (client
    meta-commands come back with `expression` None)."""
    reader = _Reader(read, file)
    out = []
    for raw in iter_raw(text, reader.read, file):
        if raw.meta:
            out.append(Statement(raw.sql, raw.line, raw.col, None, raw.meta))
        else:
            out.append(Statement(raw.sql, raw.line, raw.col, reader.parse(raw)))
    return out


def parse_sql(text: str, file: str | None = None, schema: Schema | None = None,
              read: str | None = None, fold: bool = True) -> Schema:
    """Apply every statement in `text` to `schema` (a new one by default) and return it.
    `fold=False` keeps names exactly as written (catalogue text an engine wrote itself)."""
    schema = schema if schema is not None else Schema()
    if file is not None:
        schema.sources.append(file)
    reader = _Reader(read, file, fold)
    applier = _Applier(schema, file, reader)
    before = {id(o) for o in schema.others}
    for raw in iter_raw(text, reader.read, file):
        try:
            applier.apply_raw(raw)
        except RecursionError:
            raise InputError("nested too deeply (parentheses or expressions inside each other); "
                             "flatten it", file, raw.line, raw.col) from None
        except InputError as err:
            if err.file is None and err.line is None:  # say where, when the raiser could not
                raise InputError(err.message, file, raw.line, raw.col) from None
            raise
    for o in schema.others:  # verbatim SQL is in the input's dialect
        if id(o) not in before:
            o.dialect = reader.read
    return schema


def parse_file(path: str, schema: Schema | None = None, display: str | None = None,
               read: str | None = None) -> Schema:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise InputError("no such file; give a .sql file or a migrations folder", display or path) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", display or path) from None
    return parse_sql(text, display or path, schema, read)


# -- helpers over the sqlglot AST ------------------------------------------------------------

def _sql(node: exp.Expression) -> str:
    return node.sql(dialect=DIALECT)


def _ident_list(nodes) -> list[str]:
    out = []
    for n in nodes or []:
        if isinstance(n, exp.Ordered):
            n = n.this
        out.append(n.name)
    return out


def _table_name(table: exp.Expression) -> tuple[str, str | None]:
    """(name, schema) of a Table node; `public` counts as the default schema."""
    if isinstance(table, exp.Schema):
        table = table.this
    db = table.args.get("db")
    if not isinstance(table, exp.Table) or not table.name or isinstance(db, str):
        raise InputError("this statement names no table (`CREATE TABLE.. t`?); write "
                         "CREATE TABLE name or schema.name")
    schema_name = db.name if db is not None else None
    if schema_name == "public":
        schema_name = None
    return table.name, schema_name


def _qualname(table: exp.Expression) -> str:
    name, schema_name = _table_name(table)
    return f"{schema_name}.{name}" if schema_name else name


def _fk_actions(reference: exp.Reference) -> tuple[str | None, str | None]:
    on_delete = on_update = None
    for opt in reference.args.get("options") or []:
        text = (opt if isinstance(opt, str) else _sql(opt)).upper()
        for action in _FK_ACTIONS:
            if text == f"ON DELETE {action}":
                on_delete = action
            elif text == f"ON UPDATE {action}":
                on_update = action
    return on_delete, on_update


def _columns_in(node: exp.Expression) -> list[str]:
    seen: list[str] = []
    for c in node.find_all(exp.Column):
        if c.name not in seen:
            seen.append(c.name)
    return seen


def _deferrable(options) -> str | None:
    """None | "immediate" | "deferred" from a constraint's DEFERRABLE / INITIALLY options."""
    words = " ".join((o if isinstance(o, str) else _sql(o)).upper() for o in options or [])
    if "NOT DEFERRABLE" in words or "DEFERRABLE" not in words:
        return None
    return "deferred" if "INITIALLY DEFERRED" in words else "immediate"


_MYSQL_TYPES = {  # MySQL/MariaDB type -> the PostgreSQL type that holds the same values
    exp.DataType.Type.UTINYINT: "SMALLINT", exp.DataType.Type.USMALLINT: "INT",
    exp.DataType.Type.UMEDIUMINT: "INT", exp.DataType.Type.UINT: "BIGINT",
    exp.DataType.Type.UBIGINT: "DECIMAL(20, 0)", exp.DataType.Type.MEDIUMINT: "INT",
    exp.DataType.Type.TINYINT: "SMALLINT", exp.DataType.Type.YEAR: "SMALLINT",
    exp.DataType.Type.SET: "TEXT"}
_INT_TYPES = {exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT,
              exp.DataType.Type.VARBINARY, exp.DataType.Type.BINARY}
_SERIALS = (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL)


# -- the fast path: pg_dump's most common statements without sqlglot -----------------------------
# A pg_dump is mostly plain CREATE TABLE, ADD CONSTRAINT and CREATE INDEX statements in one fixed
# layout. These are read with regular expressions into exactly the objects the sqlglot path
# builds (types and defaults still go through sqlglot, cached by their text); anything outside
# the plain layout falls through to sqlglot. tests/test_corpus.py checks both paths agree.
_SIMPLE_NAME = rf"(?:{_N})"
_NAME_LIST = rf"{_SIMPLE_NAME}(?:\s*,\s*{_SIMPLE_NAME})*"
_FAST_PK_UNIQUE = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?({_QN})\s+ADD\s+CONSTRAINT\s+({_N})\s+(PRIMARY\s+KEY|UNIQUE)\s*"
    rf"\(\s*({_NAME_LIST})\s*\)\s*$", _F)
_FAST_FK = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?({_QN})\s+ADD\s+CONSTRAINT\s+({_N})\s+FOREIGN\s+KEY\s*"
    rf"\(\s*({_NAME_LIST})\s*\)\s*REFERENCES\s+({_QN})\s*\(\s*({_NAME_LIST})\s*\)"
    r"((?:\s+ON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|RESTRICT|SET\s+NULL|SET\s+DEFAULT|NO\s+ACTION))*)"
    r"(\s+(?:NOT\s+)?DEFERRABLE(?:\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))?)?(\s+NOT\s+VALID)?\s*$", _F)
_FAST_INDEX = re.compile(
    rf"CREATE\s+(UNIQUE\s+)?INDEX\s+({_N})\s+ON\s+(?:ONLY\s+)?({_QN})(?:\s+USING\s+(\w+))?\s*\(", _F)
_INDEX_COLUMN = re.compile(rf"\s*({_SIMPLE_NAME})(?:\s+(ASC|DESC))?\s*$", _F)
# a function call over the masked text (arguments blanked), optionally ordered
_INDEX_CALL = re.compile(rf"\s*({_N}(?:\s*\.\s*{_N})?\s*\(_*\))(?:\s+(ASC|DESC))?\s*$", _F)
_INDEX_TAIL = re.compile(r"\s*(?:WHERE\s+(.+))?\s*$", _F)
_FAST_SET_DEFAULT = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?({_QN})\s+ALTER\s+(?:COLUMN\s+)?({_N})\s+SET\s+DEFAULT\s+(.+)$", _F)
_FAST_TABLE = re.compile(rf"CREATE\s+TABLE\s+({_QN})\s*\(", _F)
_MASK_STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_MASK_PARENS = re.compile(r"\([^()]*\)")
_PAREN = re.compile(r"[()]")
_COMMENT_OR_STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.S)
_COLUMN_HEAD = re.compile(rf"\s*({_N})\s+")
_NOT_SIMPLE = re.compile(r"\b(?:CONSTRAINT|CHECK|COLLATE|GENERATED|FOREIGN|EXCLUDE|LIKE|AS|STORED|"
                         r"VIRTUAL|DEFERRABLE|MATCH)\b", re.I)
_REFERENCES_WORD = re.compile(r"\s*REFERENCES\b", re.I)
_SET_BEFORE = re.compile(r"\b(?:SET|DEFAULT)\s+$", re.I)
_TABLE_ITEM_HEAD = re.compile(r"\s*(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE|LIKE)\b", re.I)
_COLUMN_MARKS = re.compile(r"\b(NOT\s+NULL|NULL|DEFAULT|PRIMARY\s+KEY|UNIQUE|REFERENCES)\b", re.I)
_REFERENCE = re.compile(
    rf"\s*({_QN})\s*(?:\(\s*({_NAME_LIST})\s*\))?"
    r"((?:\s+ON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|RESTRICT|SET\s+NULL|SET\s+DEFAULT|NO\s+ACTION))*)\s*$", _F)
_TABLE_KEY = re.compile(rf"\s*(?:CONSTRAINT\s+({_N})\s+)?(PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY)\s*"
                        rf"\(\s*({_NAME_LIST})\s*\)", _F)


def _uncomment(text: str) -> str:
    """`text` with its comments blanked (same length; strings kept)."""
    return _COMMENT_OR_STRING.sub(
        lambda m: m.group(0) if m.group(0)[0] in "'\"" else re.sub(r"[^\n]", " ", m.group(0)), text)


def _blank_strings(text: str) -> str:
    """`text` with its string literals and quoted names blanked to `'___'` (same length)."""
    if "'" not in text and '"' not in text:
        return text
    return _MASK_STRING.sub(lambda m: "'" + "_" * (len(m.group(0)) - 2) + "'", text)


def _mask(text: str) -> str:
    """`text` with string literals and parenthesised parts blanked (same length), so keywords
    and commas are found only at the top level."""
    text = _blank_strings(text)
    while "(" in text:  # innermost groups first; their parentheses stand aside until the outer is done
        masked = _MASK_PARENS.sub(lambda m: "\x02" + "_" * (len(m.group(0)) - 2) + "\x03", text)
        if masked == text:
            break
        text = masked
    return text.replace("\x02", "(").replace("\x03", ")") if "\x02" in text else text


@lru_cache(maxsize=4096)
def _pg_type(text: str) -> tuple[str, bool] | None:
    """(type text as the model keeps it, is a serial type) for a PostgreSQL type as written."""
    try:
        e = sqlglot.parse_one(f"CREATE TABLE t (c {text})", read=DIALECT)
        cd = e.this.expressions[0]
        kind = cd.args.get("kind")
        if not isinstance(cd, exp.ColumnDef) or kind is None or cd.constraints:
            return None
    except (ParseError, TokenError, AttributeError, IndexError):
        return None
    for ident in kind.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.this.translate(_ASCII_LOWER))
    return _sql(kind), isinstance(kind, exp.DataType) and kind.this in _SERIALS


_LITERAL = re.compile(r"(?<![\w$])'(?:[^']|'')*'")


def _by_shape(read_one, text: str) -> str | None:
    """`read_one(text)` computed once per shape: string literals become placeholders for the
    (cached) parse and are put back after, so `nextval('t1_id_seq'::regclass)` and
    `nextval('t2_id_seq'::regclass)` cost one parse. Falls back to the text itself when the
    output does not hold each placeholder exactly once."""
    literals = _LITERAL.findall(text)
    if not literals:
        return read_one(text)
    it = iter(range(len(literals)))
    shape = _LITERAL.sub(lambda m: f"'dbdesign_literal_{next(it)}'", text)
    out = read_one(shape)
    if out is None:
        return None
    for i, lit in enumerate(literals):
        mark = f"'dbdesign_literal_{i}'"
        if out.count(mark) != 1:
            return read_one(text)
        out = out.replace(mark, lit)
    return out


@lru_cache(maxsize=8192)
def _pg_default(text: str) -> str | None:
    try:
        e = sqlglot.parse_one(f"CREATE TABLE t (c INT DEFAULT {text})", read=DIALECT)
        [cc] = e.this.expressions[0].constraints
        node = cc.args["kind"].this
    except (ParseError, TokenError, AttributeError, IndexError, ValueError, KeyError):
        return None
    for ident in node.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.this.translate(_ASCII_LOWER))
    return _sql(node)


@lru_cache(maxsize=8192)
def _pg_expression(text: str) -> str | None:
    """An expression (index predicate) as the model keeps it; None if sqlglot cannot read it."""
    try:
        node = sqlglot.parse_one(text, read=DIALECT)
    except (ParseError, TokenError):
        return None
    if node is None or isinstance(node, exp.Command):
        return None
    for ident in node.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.this.translate(_ASCII_LOWER))
    return _sql(node)


@lru_cache(maxsize=16384)
def _default_of(text: str) -> str | None:
    """A column default as written -> as the model keeps it (one read per distinct text)."""
    return _by_shape(_pg_default, text)


@lru_cache(maxsize=16384)
def _expression_of(text: str) -> str | None:
    """An index predicate as written -> as the model keeps it (one read per distinct text)."""
    return _by_shape(_pg_expression, text)


def _group_end(sql: str, open_at: int) -> tuple[str, int]:
    """(`sql` with its string literals blanked, the position of the parenthesis that closes
    the one at `open_at`, or -1)."""
    strings = _blank_strings(sql)
    depth = 0
    for p in _PAREN.finditer(strings, open_at):
        depth += 1 if p.group(0) == "(" else -1
        if depth == 0:
            return strings, p.start()
    return strings, -1


_TABLE_ITEM_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "LIKE"})
_REFERENCE_ACTION = re.compile(r"ON (DELETE|UPDATE) (CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION)")


@lru_cache(maxsize=256)
def _reference_actions(text: str) -> tuple[str | None, str | None]:
    """(ON DELETE action, ON UPDATE action) of a reference's action words, None where absent."""
    found = dict(reversed(_REFERENCE_ACTION.findall(" ".join(text.upper().split()))))
    return found.get("DELETE"), found.get("UPDATE")


def _reference_parts(text: str, begin: int, stop: int) -> tuple | None:
    """`parent [(cols)] [ON DELETE/UPDATE action]...` in text[begin:stop] as (parent as
    written, its columns as written or None, ON DELETE, ON UPDATE, the position its line is
    counted at); None for any other shape (MATCH, DEFERRABLE: the full path)."""
    r = _REFERENCE.match(text, begin, stop)
    if r is None:
        return None
    return (r.group(1), r.group(2), *_reference_actions(r.group(3)),
            r.start(2) if r.group(2) else r.start(1))


@lru_cache(maxsize=1 << 15)
def _column_recipe(rest: str) -> tuple | None:
    """A plain column definition after its name (`varchar(255) NOT NULL UNIQUE`) as
    (type, nullable, default, keys in the order written), read once per distinct text: a
    large schema repeats a few dozen definitions. A key is "pk", "unique" or a reference from
    `_reference_parts` (positions in `rest`). None for any other shape (the full path)."""
    masked = _mask(rest)
    if _NOT_SIMPLE.search(masked):
        return None
    marks = [k for k in _COLUMN_MARKS.finditer(masked)
             if not _SET_BEFORE.search(masked, max(0, k.start() - 12), k.start())]  # SET NULL, DEFAULT NULL
    typed = _pg_type(rest[:marks[0].start() if marks else len(rest)].strip())
    if typed is None:
        return None
    nullable, default, keys = not typed[1], None, []
    for i, mark in enumerate(marks):
        word = " ".join(mark.group(1).upper().split())
        stop = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
        if word == "DEFAULT":
            default = _default_of(rest[mark.end():stop].strip())
            if default is None:
                return None
        elif word == "REFERENCES":
            parts = _reference_parts(rest, mark.end(), stop)
            if parts is None:
                return None
            keys.append(parts)
        elif rest[mark.end():stop].strip():
            return None
        elif word == "NOT NULL":
            nullable = False
        elif word == "NULL":
            nullable = True
        elif word == "PRIMARY KEY":
            nullable = False
            keys.append("pk")
        else:
            keys.append("unique")
    return typed[0], nullable, default, tuple(keys)


class _FastPath:
    """Mixin of `_Applier`: the regular-expression readers (PostgreSQL input only)."""

    def fast(self, sql: str) -> bool:
        head = sql[:13].upper()
        if head.startswith("ALTER TABLE"):
            m = _FAST_PK_UNIQUE.match(sql)
            if m:
                return self.fast_pk_unique(m, sql)
            m = _FAST_FK.match(sql)
            if m:
                return self.fast_fk(m, sql)
            m = _FAST_SET_DEFAULT.match(sql)
            return bool(m) and self.fast_set_default(m, sql)
        if head.startswith("CREATE TABLE"):
            m = _FAST_TABLE.match(sql)
            return bool(m) and self.fast_table(m, sql)
        if head.startswith("CREATE INDEX") or head.startswith("CREATE UNIQU"):
            m = _FAST_INDEX.match(sql)
            return bool(m) and self.fast_index(m, sql)
        return False

    def line_at(self, sql: str, pos: int) -> SourceRef:
        return SourceRef(self.file, self.stmt.line + sql.count("\n", 0, pos))

    def names(self, text: str) -> list[str]:
        return [self.reader.name(n) for n in re.findall(_N, text)]

    def fast_table_of(self, raw: str) -> Table:
        qn = self.reader.qualname(raw)
        table = self.schema.table(qn)
        if table is None:
            self.fail(f"table {qn!r} does not exist at this point; create it in an earlier "
                      "statement or migration")
        return table

    def fast_pk_unique(self, m: re.Match, sql: str) -> bool:
        table = self.fast_table_of(m.group(1))
        cols = self.names(m.group(4))
        ref = self.line_at(sql, m.start(4))
        name = self.reader.name(m.group(2))
        if m.group(3).upper().startswith("PRIMARY"):
            self._check_columns(table, cols, "PRIMARY KEY")
            self.set_primary_key(table, PrimaryKey(cols, name, ref))
        else:
            self._check_columns(table, cols, "UNIQUE")
            table.uniques.append(UniqueConstraint(cols, name, ref))
        return True

    def fast_fk(self, m: re.Match, sql: str) -> bool:
        table = self.fast_table_of(m.group(1))
        cols = self.names(m.group(3))
        self._check_columns(table, cols, "FOREIGN KEY")
        on_delete, on_update = _reference_actions(m.group(6))
        table.foreign_keys.append(ForeignKey(
            cols, self.reader.qualname(m.group(4)), self.names(m.group(5)), on_delete, on_update,
            self.reader.name(m.group(2)), self.line_at(sql, m.start(3)),
            _deferrable([m.group(7)] if m.group(7) else []), validated=not m.group(8)))
        return True

    def fast_set_default(self, m: re.Match, sql: str) -> bool:
        table = self.fast_table_of(m.group(1))
        col = table.columns.get(self.reader.name(m.group(2)))
        default = _default_of(m.group(3).strip())
        if col is None or default is None:
            return False
        col.default = default
        col.source = SourceRef(self.file, self.stmt.line)
        return True

    def fast_index(self, m: re.Match, sql: str) -> bool:
        table = self.schema.table(self.reader.qualname(m.group(3)))
        if table is None:
            return False  # an index on a view, or an error: the full path says which
        name = self.reader.name(m.group(2))
        if self.find_index(f"{table.schema}.{name}" if table.schema else name) is not None:
            return False
        if "--" in sql or "/*" in sql:
            return False
        open_at = m.end() - 1
        strings, close = _group_end(sql, open_at)
        tail = _INDEX_TAIL.match(sql, close + 1) if close > 0 else None
        if tail is None:
            return False  # INCLUDE, WITH (...), NULLS NOT DISTINCT: the full path
        masked = " " * (open_at + 1) + _mask(strings[open_at + 1:close])
        columns, pos = [], open_at + 1
        for part in masked[open_at + 1:close].split(","):
            text, mtext = sql[pos:pos + len(part)], masked[pos:pos + len(part)]
            pos += len(part) + 1
            plain = _INDEX_COLUMN.match(text)
            if plain:
                col = self.reader.name(plain.group(1))
                if col not in table.columns:
                    return False
                columns.append(IndexColumn(column=col, desc=(plain.group(2) or "").upper() == "DESC"))
                continue
            call = _INDEX_CALL.match(mtext)
            expression = call and _expression_of(text[call.start(1):call.end(1)])
            if not expression:
                return False  # an opclass, COLLATE, NULLS FIRST or another shape: the full path
            columns.append(IndexColumn(expression=expression, desc=(call.group(2) or "").upper() == "DESC"))
        using = m.group(4)
        where = _expression_of(tail.group(1).strip()) if tail.group(1) else None
        if tail.group(1) and where is None:
            return False
        ix = Index(name=name, table=table.qualname, columns=columns, unique=bool(m.group(1)),
                   where=where, method=using.lower() if using else None,
                   source=SourceRef(self.file, self.stmt.line),
                   only=bool(_INDEX_ON_ONLY.match(sql)))
        table.indexes.append(ix)
        self.index_map[self.index_key(ix)] = ix
        return True

    def fast_table(self, m: re.Match, sql: str) -> bool:
        open_at = m.end() - 1
        if "--" in sql or "/*" in sql:
            sql = _uncomment(sql)
        strings, close = _group_end(sql, open_at)
        if close < 0 or strings[close + 1:].strip():
            return False  # PARTITION BY, INHERITS, WITH (...): the full path
        qn = self.reader.qualname(m.group(1))
        name, _, schema_name = qn.rpartition(".")[2], None, (qn.rpartition(".")[0] or None)
        table = Table(name=name, schema=schema_name, source=SourceRef(self.file, self.stmt.line))
        if table.qualname in self.schema.tables:
            return False
        file, columns = self.file, table.columns
        at_line = _LineCounter(sql, self.stmt.line)
        pos = open_at + 1
        known = self.column_names  # names already seen as columns: no keyword test, no folding
        for mtext in _mask(strings[pos:close]).split(","):
            start, pos = pos, pos + len(mtext) + 1
            text = sql[start:start + len(mtext)]
            head = _COLUMN_HEAD.match(text)
            col_name = known.get(head.group(1)) if head is not None else None
            if col_name is None:
                if head is None or head.group(1).upper() in _TABLE_ITEM_WORDS:
                    if _TABLE_ITEM_HEAD.match(mtext) and \
                            self.fast_table_constraint(table, text, mtext, start, at_line):
                        continue
                    return False
                col_name = known[head.group(1)] = sys.intern(self.reader.name(head.group(1)))
            recipe = _column_recipe(text[head.end():])
            if recipe is None or col_name in columns:
                return False
            where = SourceRef(file, at_line(start + head.start(1)))  # shared by its inline keys
            columns[col_name] = Column(col_name, recipe[0], recipe[1], recipe[2], None, None, None, where)
            for key in recipe[3]:
                if key == "pk":
                    if table.primary_key is not None:
                        return False
                    table.primary_key = PrimaryKey([col_name], None, where)
                elif key == "unique":
                    table.uniques.append(UniqueConstraint([col_name], None, where))
                else:
                    fk = self.reference_of([col_name], key, at_line, start + head.end(), None)
                    if fk is None:
                        return False
                    table.foreign_keys.append(fk)
        if not columns:
            return False
        self.schema.tables[table.qualname] = table
        return True

    def reference_of(self, columns: list[str], parts: tuple, at_line, offset: int,
                     name: str | None) -> ForeignKey | None:
        """The foreign key of `columns` from `_reference_parts` (positions from `offset`);
        None when it names no parent columns and the parent has no primary key yet."""
        parent_raw, parent_columns, on_delete, on_update, at = parts
        ref_table = self.reader.qualname(parent_raw)
        if parent_columns:
            ref_columns = self.names(parent_columns)
        else:
            parent = self.schema.table(ref_table)
            if parent is None or parent.primary_key is None:
                return None
            ref_columns = list(parent.primary_key.columns)
        return ForeignKey(columns, ref_table, ref_columns, on_delete, on_update, name,
                          SourceRef(self.file, at_line(offset + at)))

    def fast_table_constraint(self, table: Table, text: str, mtext: str, offset: int, at_line) -> bool:
        """A table-level PRIMARY KEY, UNIQUE or FOREIGN KEY, optionally named; False for any
        other item (CHECK, EXCLUDE, LIKE, options: the full path)."""
        c = _TABLE_KEY.match(text)
        if c is None or _TABLE_KEY.match(mtext) is None:
            return False
        name = self.reader.name(c.group(1)) if c.group(1) else None
        cols = self.names(c.group(3))
        if any(col not in table.columns for col in cols):
            return False
        ref = SourceRef(self.file, at_line(offset + c.start(3)))
        kind = " ".join(c.group(2).upper().split())
        if kind == "PRIMARY KEY":
            if table.primary_key is not None or c.end() != len(text.rstrip()):
                return False
            table.primary_key = PrimaryKey(cols, name, ref)
            for col in cols:
                table.columns[col].nullable = False
        elif kind == "UNIQUE":
            if c.end() != len(text.rstrip()):
                return False
            table.uniques.append(UniqueConstraint(cols, name, ref))
        else:
            head = _REFERENCES_WORD.match(text, c.end())
            parts = head and _reference_parts(text, head.end(), len(text))
            fk = parts and self.reference_of(cols, parts, at_line, offset, name)
            if not fk:
                return False
            fk.source = ref
            table.foreign_keys.append(fk)
        return True


class _LineCounter:
    """Line numbers of positions in one statement, counted forward from the last one asked."""

    def __init__(self, sql: str, first_line: int):
        self.sql, self.line, self.at = sql, first_line, 0
        self.first = first_line

    def __call__(self, pos: int) -> int:
        if pos < self.at:
            return self.first + self.sql.count("\n", 0, pos)
        self.line += self.sql.count("\n", self.at, pos)
        self.at = pos
        return self.line


class _Applier(_FastPath):
    """Applies statements to a Schema, one at a time."""

    def __init__(self, schema: Schema, file: str | None, reader: _Reader | None = None):
        self.schema = schema
        self.file = file
        self.reader = reader or _Reader(None, file)
        self.stmt: Statement | None = None
        self._index_map: dict[str, Index] | None = None
        self.column_names: dict[str, str] = {}  # fast path: a column name as written -> as stored
        self.implicit: set[int] = set()  # ids of indexes InnoDB made for foreign keys
        self._others: list | None = None  # [list indexed, how many, {(kind, name): obj}, last]

    # -- plumbing --------------------------------------------------------------------------
    def ref(self, node: exp.Expression | None = None) -> SourceRef:
        """Source of `node`: the line of its first token when sqlglot kept it, else the
        statement's line."""
        line = self.stmt.line if self.stmt else None
        if node is not None and self.stmt is not None:
            meta_line = _node_line(node)
            if meta_line:
                line = self.stmt.line + meta_line - 1
        return SourceRef(self.file, line)

    def warn(self, message: str, severity: str = "warning") -> None:
        line = self.stmt.line if self.stmt else None
        self.schema.diagnostics.append(Diagnostic(message, self.file, line, severity))

    def skip(self, kind: str, reason: str, category: str = "no design effect") -> None:
        line = self.stmt.line if self.stmt else None
        self.schema.skipped.append(Skipped(kind, category, reason, self.file, line))

    def not_understood(self, reason: str, kind: str | None = None) -> None:
        self.skip(kind or _first_words(self.stmt.sql if self.stmt else "?", 2).upper(),
                  reason, "not understood")

    def fail(self, message: str) -> None:
        line = self.stmt.line if self.stmt else None
        col = self.stmt.col if self.stmt else None
        raise InputError(message, self.file, line, col)

    def need_table(self, node: exp.Expression, if_exists: bool = False) -> Table | None:
        qn = _qualname(node)
        table = self.schema.table(qn)
        if table is None and not if_exists:
            self.fail(f"table {qn!r} does not exist at this point; create it in an earlier "
                      "statement or migration")
        return table

    @property
    def index_map(self) -> dict[str, Index]:
        """Index name -> Index over the whole schema (PostgreSQL: one namespace per schema),
        built once per file so that thousands of CREATE INDEX stay linear."""
        if self._index_map is None:
            self._index_map = {self.index_key(ix): ix for ix in self.schema.indexes()}
        return self._index_map

    def index_key(self, ix: Index, name: str | None = None) -> str:
        """An index's name qualified by its table's schema (index names are per schema)."""
        table = self.schema.tables.get(ix.table)
        schema = table.schema if table is not None else None
        return f"{schema}.{name or ix.name}" if schema else (name or ix.name)

    def find_index(self, name: str) -> Index | None:
        """`name` as written, qualified or not (`public.` is the default schema)."""
        if name.startswith("public."):
            name = name[len("public."):]
        ix = self.index_map.get(name)
        if ix is not None and (ix.table not in self.schema.tables or  # its table was dropped
                               not any(i is ix for i in self.schema.tables[ix.table].indexes)):
            self._index_map = None
            ix = self.index_map.get(name)
        return ix

    def other(self, kind: str, name: str) -> OtherObject | None:
        """The last named object of `kind` called `name` (qualified, or by its last part),
        from an index kept in step with `Schema.others` (appends are indexed as they come; a
        removal rebuilds it)."""
        others = self.schema.others
        index = self._others
        if index is None or index[0] is not others or index[1] > len(others) or \
                (index[1] and others[index[1] - 1] is not index[3]):
            index = self._others = [others, 0, {}, None]
        for o in others[index[1]:]:
            index[2][(o.kind, o.name)] = o
            index[2][(o.kind, "." + o.name.split(".")[-1])] = o
        index[1] = len(others)
        index[3] = others[-1] if others else None
        return index[2].get((kind, name)) or index[2].get((kind, "." + name.split(".")[-1]))

    # -- dispatch --------------------------------------------------------------------------
    def apply_raw(self, raw: RawStatement) -> None:
        """Classify one statement as written; parse and apply it only when it can change the
        model (most of a pg_dump is ownership and grants, which are never parsed)."""
        self.stmt = Statement(raw.sql, raw.line, raw.col, None, raw.meta)
        if raw.meta:
            kind = "DELIMITER" if raw.meta == "DELIMITER" else raw.meta
            self.skip(kind, "client meta-command (psql / mysql), not SQL")
            return
        sql = raw.sql
        verb = sql[:12].split(None, 1)[0].upper() if sql[:12].strip() else ""
        if verb in ("CREATE", "ALTER", "COMMENT"):
            if self.reader.read == "postgres" and self.reader.fold_names and FAST_PATH and self.fast(sql):
                return
            if self.special(sql):
                return
        for pattern, kind, reason in _NO_EFFECT:
            m = pattern.match(sql)
            if m:
                self.skip(_skip_kind(kind, m), reason)
                return
        self.stmt.expression = self.reader.parse(raw)
        self.apply(self.stmt)

    def special(self, sql: str) -> bool:
        """Statements read by their words (sqlglot does not parse them, or parses them
        wrongly): True when handled."""
        head = sql[:300].upper()
        for needles, pattern, method in _SPECIAL:
            if not any(n in head for n in needles):
                continue  # a cheap word test first: most statements match no pattern
            m = pattern.match(sql)
            if m:
                return getattr(self, method)(m, sql) is not False
        return False

    def apply(self, stmt: Statement) -> None:
        self.stmt = stmt
        e = stmt.expression
        if e is None:
            return
        if isinstance(e, exp.Create):
            self.create(e)
        elif isinstance(e, exp.Alter):
            self.alter(e)
        elif isinstance(e, exp.Drop):
            self.drop(e)
        elif isinstance(e, exp.Comment):
            self.comment(e)
        elif isinstance(e, _DATA_STATEMENTS):
            self.skip(type(e).__name__.upper(), "data, not schema")
        elif isinstance(e, _NEUTRAL_STATEMENTS):
            self.skip(_first_words(stmt.sql, 1).upper(), "session, privileges or transaction control")
        elif isinstance(e, exp.Command):
            self.command(e)
        else:
            self.not_understood(f"{type(e).__name__} statement; it is not in the model")

    def command(self, e: exp.Command) -> None:
        head = str(e.this).upper()
        rest = str(e.expression or "")
        words = rest.split()
        if head == "ALTER" and len(words) >= 5 and words[0].upper() == "TYPE":
            if self.alter_enum(words, rest):
                return
        if not head:
            return
        why = e.meta.get("unparsed")
        self.not_understood(f"not read ({why})" if why else "not modelled", 
                            f"{head} {words[0].upper() if words else ''}".strip())

    def alter_enum(self, words: list[str], rest: str) -> bool:
        """ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE|AFTER 'w'] / RENAME VALUE."""
        qn = self.reader.qualname(words[1])
        enum = self.schema.enums.get(qn)
        if enum is None:
            self.fail(f"type {words[1]!r} does not exist at this point")
        values = re.findall(r"'((?:[^']|'')*)'", rest)
        upper = rest.upper()
        if " ADD VALUE" in upper and values:
            new = values[0].replace("''", "'")
            if new in enum.values:
                if "IF NOT EXISTS" in upper:
                    return True
                self.fail(f"enum {enum.name} already has value {new!r}")
            pos = len(enum.values)
            if len(values) > 1 and values[1] in enum.values:
                pos = enum.values.index(values[1]) + (1 if " AFTER " in upper else 0)
            enum.values.insert(pos, new)
            return True
        if " RENAME VALUE" in upper and len(values) == 2 and values[0] in enum.values:
            enum.values[enum.values.index(values[0])] = values[1]
            return True
        return False

    # -- statements read by their words ----------------------------------------------------
    def s_other(self, m: re.Match, sql: str) -> None:
        kind = " ".join(m.group(1).lower().split())
        kind = "trigger" if kind.endswith("trigger") else kind
        name = self.reader.qualname(m.group(2)) if m.group(2) != "(" else "?"
        depends: list[str] = []
        if kind == "trigger":
            t = _TRIGGER_PARTS.search(sql, m.end())
            if t:
                depends.append(self.reader.qualname(t.group(1)))
                if t.group(2):
                    depends.append(self.reader.qualname(t.group(2)))
        self.schema.others.append(OtherObject(kind, name, sql, self.ref(), depends))
        self.skip(f"CREATE {kind.upper()}", "kept verbatim as a named object; no table design effect")

    def s_extension(self, m: re.Match, sql: str) -> None:
        self.schema.others.append(OtherObject("extension", self.reader.name(m.group(1)), sql, self.ref()))

    def s_schema(self, m: re.Match, sql: str) -> None:
        name = self.reader.name(m.group(1))
        if self.other("schema", name) is None:
            self.schema.others.append(OtherObject("schema", name, sql, self.ref()))

    def s_sequence(self, m: re.Match, sql: str) -> None:
        name = self.reader.qualname(m.group(1))
        if self.other("sequence", name) is not None and m.group(0).upper().count("EXISTS"):
            return
        self.schema.others.append(OtherObject("sequence", name, sql, self.ref()))

    def s_sequence_owned(self, m: re.Match, sql: str) -> None:
        seq = self.other("sequence", self.reader.qualname(m.group(1)))
        target = self.reader.qualname(m.group(2))
        table = target.rsplit(".", 1)[0] if "." in target else None
        if seq is None:
            self.not_understood("ALTER SEQUENCE ... OWNED BY names a sequence not created above",
                                "ALTER SEQUENCE")
            return
        if table and table not in seq.depends_on and self.schema.table(table) is not None:
            seq.depends_on.append(self.schema.table(table).qualname)

    def s_add_identity(self, m: re.Match, sql: str) -> None:
        table = self.schema.table(self.reader.qualname(m.group(1)))
        col = table.columns.get(self.reader.name(m.group(2))) if table else None
        if col is None:
            self.fail(f"ADD GENERATED AS IDENTITY: no column {m.group(1)}.{m.group(2)} at this point")
        col.identity = "always" if m.group(3).upper() == "ALWAYS" else "by default"
        col.nullable = False

    def s_attach(self, m: re.Match, sql: str) -> None:
        parent = self.schema.table(self.reader.qualname(m.group(1)))
        child = self.schema.table(self.reader.qualname(m.group(2)))
        if parent is None or child is None:
            self.fail("ATTACH PARTITION: both tables must exist at this point")
        child.partition_of = parent.qualname
        child.partition_bound = " ".join(m.group(3).split())

    def s_detach(self, m: re.Match, sql: str) -> None:
        child = self.schema.table(self.reader.qualname(m.group(2)))
        if child is not None:
            child.partition_of = child.partition_bound = None

    def s_index_attach(self, m: re.Match, sql: str) -> None:
        """ALTER INDEX parent ATTACH PARTITION child: both indexes are in the model already;
        the child records its parent (a constraint's index is not an Index: its key is)."""
        parent = self.find_index(self.reader.qualname(m.group(1)))
        child = self.find_index(self.reader.qualname(m.group(2)))
        if parent is not None and child is not None:
            child.attached_to = parent.name

    def s_domain(self, m: re.Match, sql: str) -> None:
        name = self.reader.qualname(m.group(1))
        body = sql[m.end():]
        try:
            tree = self.reader.fold(sqlglot.parse_one(f"CREATE TABLE dbdesign_domain (value {body})",
                                                      read=_SQLGLOT_READ[self.reader.read]))
            cd = tree.this.expressions[0]
        except (ParseError, TokenError, AttributeError, IndexError) as err:
            self.not_understood(f"CREATE DOMAIN not read ({clean_message(str(err).splitlines()[0])})",
                                "CREATE DOMAIN")
            return
        domain = Domain(name, _sql(cd.args["kind"]), source=self.ref())
        for cc in cd.constraints:
            kind = cc.args.get("kind")
            if isinstance(kind, exp.NotNullColumnConstraint):
                domain.nullable = bool(kind.args.get("allow_null"))
            elif isinstance(kind, exp.DefaultColumnConstraint):
                domain.default = _sql(kind.this)
            elif isinstance(kind, exp.CheckColumnConstraint):
                check = kind.this.transform(lambda n: exp.var("VALUE") if isinstance(n, exp.Column)
                                            and not n.table and n.name.lower() == "value" else n)
                domain.checks.append(CheckConstraint(_sql(check), cc.name or None, [], self.ref()))
        self.schema.domains[name] = domain

    def s_view(self, m: re.Match, sql: str) -> None:
        kind = "materialized view" if m.group(1) else "view"
        name = self.reader.qualname(m.group(2))
        body = re.sub(r"\s+WITH\s+(?:NO\s+)?DATA\s*$", "", sql[m.end():], flags=re.I)
        existing = self.other(kind, name)
        if existing is not None and existing.name == name:
            self._others = None
            self.schema.others.remove(existing)
        self.schema.others.append(OtherObject(kind, name, sql, self.ref(),
                                              self._view_depends(kind, name, body)))

    def _view_depends(self, kind: str, name: str, body: str):
        """The tables a view's query uses, read when first needed (rendering order); a query
        sqlglot cannot read is a diagnostic then."""
        reader, schema = self.reader, self.schema
        file, line = self.file, (self.stmt.line if self.stmt else None)

        def resolve() -> list[str]:
            depends: list[str] = []
            try:
                tree = reader.fold(sqlglot.parse_one(body, read=_SQLGLOT_READ[reader.read]))
                ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
                for t in tree.find_all(exp.Table):
                    qn = _qualname(t)
                    if t.name and qn not in ctes and qn not in depends:
                        depends.append(qn)
            except (ParseError, TokenError):
                schema.diagnostics.append(Diagnostic(
                    f"{kind} {name}: its query was not read; the objects it uses are not known",
                    file, line, "warning"))
            return depends
        return resolve


    # -- CREATE ----------------------------------------------------------------------------
    def create(self, e: exp.Create) -> None:
        kind = (e.args.get("kind") or "").upper()
        if kind == "TABLE":
            self.create_table(e)
        elif kind == "INDEX":
            self.create_index(e)
        elif kind == "TYPE":
            dtype = e.expression
            name = _qualname(e.this)
            if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                values = [v.this for v in dtype.expressions]
                self.schema.enums[name] = EnumType(name, values, self.ref())
            else:
                self.schema.others.append(OtherObject("type", name, self.stmt.sql, self.ref()))
        elif kind in ("VIEW", "TRIGGER", "FUNCTION", "PROCEDURE", "SEQUENCE", "SCHEMA"):
            target = e.this
            if kind == "SCHEMA" and isinstance(target, exp.Table) and not target.name:
                name = target.args["db"].name  # sqlglot keeps a schema name in the Table's db slot
            else:
                name = _qualname(target) if isinstance(target, (exp.Table, exp.Schema)) else target.name
            depends = []
            if kind == "VIEW" and e.expression is not None:
                depends = list(dict.fromkeys(_qualname(t) for t in e.expression.find_all(exp.Table)
                                             if t.name))
            self.schema.others.append(OtherObject(kind.lower(), name, self.stmt.sql, self.ref(), depends))
        else:
            self.not_understood(f"CREATE {kind or '?'} is not modelled", f"CREATE {kind or '?'}")

    def create_table(self, e: exp.Create) -> None:
        target = e.this
        props = {type(p).__name__: p for p in (e.args.get("properties") or exp.Properties()).expressions}
        part_of = props.get("PartitionedOfProperty")
        if part_of is not None and not isinstance(target, exp.Schema):
            target = exp.Schema(this=target, expressions=[])
        if not isinstance(target, exp.Schema) or e.expression is not None:
            self.not_understood("CREATE TABLE without a column list (AS SELECT) is not modelled; "
                                "write the columns out", "CREATE TABLE AS")
            return
        name, schema_name = _table_name(target)
        table = Table(name=name, schema=schema_name, source=self.ref())
        if table.qualname in self.schema.tables:
            if e.args.get("exists"):
                return  # CREATE TABLE IF NOT EXISTS on an existing table: a no-op
            self.fail(f"table {table.qualname!r} is created twice; drop it first or use ALTER TABLE")
        if part_of is not None:
            self.partition_of(table, part_of)
        for item in target.expressions:
            if isinstance(item, exp.Identifier) and self.reader.read == "sqlite":
                item = exp.ColumnDef(this=item)  # SQLite: a column without a type
            if isinstance(item, exp.ColumnDef):
                self.add_column(table, item)
            elif isinstance(item, exp.LikeProperty):
                self.like(table, item)
            else:
                self.add_table_constraint(table, item)
        if "PartitionedByProperty" in props:
            table.partition_by = _partition_by(props["PartitionedByProperty"].this)
        comment = props.get("SchemaCommentProperty")
        if comment is not None and isinstance(comment.this, exp.Literal):
            table.comment = comment.this.this
        self.schema.tables[table.qualname] = table
        self.innodb_fk_indexes(table)

    def innodb_fk_indexes(self, table: Table) -> None:
        """MySQL/MariaDB (InnoDB) create an index for a foreign key whose columns do not lead
        an existing index, named after the constraint (else its first column): the model holds
        it too, as the engine does."""
        if self.reader.read != "mysql":
            return
        leading = [list(table.primary_key.columns)] if table.primary_key else []
        leading += [list(u.columns) for u in table.uniques]
        leading += [[c.column for c in ix.columns] for ix in table.indexes]
        for fk in table.foreign_keys:
            n = len(fk.columns)
            if any(cols[:n] == fk.columns for cols in leading):
                continue
            name = fk.name or fk.columns[0]
            ix = Index(name, table.qualname, [IndexColumn(column=c) for c in fk.columns], source=fk.source)
            table.indexes.append(ix)
            self.index_map[self.index_key(ix)] = ix
            self.implicit.add(id(ix))
            leading.append(list(fk.columns))

    def drop_covered_fk_indexes(self, table: Table, new: Index) -> None:
        """InnoDB drops the index it made for a foreign key once another index can serve it."""
        cols = [c.column for c in new.columns]
        for ix in [i for i in table.indexes if id(i) in self.implicit and i is not new]:
            if cols[:len(ix.columns)] == [c.column for c in ix.columns]:
                table.indexes.remove(ix)
                self.index_map.pop(self.index_key(ix), None)

    def partition_of(self, table: Table, prop: exp.Expression) -> None:
        """CREATE TABLE c PARTITION OF p: PostgreSQL gives the partition the parent's columns
        and its own primary key and unique indexes."""
        parent = self.need_table(prop.this)
        bound = prop.args.get("expression")
        table.partition_of = parent.qualname
        table.partition_bound = _partition_bound(bound)
        for c in parent.columns.values():
            table.columns[c.name] = Column(c.name, c.type, c.nullable, c.default, c.identity,
                                           c.generated, None, self.ref())
        if parent.primary_key:
            table.primary_key = PrimaryKey(list(parent.primary_key.columns), None, self.ref())
        for u in parent.uniques:
            table.uniques.append(UniqueConstraint(list(u.columns), None, self.ref(), u.nulls_not_distinct))

    def like(self, table: Table, item: exp.Expression) -> None:
        source = self.need_table(item.this)
        for c in source.columns.values():
            table.columns[c.name] = Column(c.name, c.type, c.nullable, None, None, None, None, self.ref())

    def column_type(self, table: Table, cd: exp.ColumnDef, kind: exp.DataType) -> str:
        """The column's type as PostgreSQL text; MySQL/SQLite types mapped to the PostgreSQL
        type that holds the same values (an inline MySQL ENUM becomes an enum type)."""
        if self.reader.read == "postgres" or not isinstance(kind, exp.DataType):
            return _sql(kind)
        t = kind.this
        if t == exp.DataType.Type.ENUM:
            name = f"{table.name}_{cd.name}"
            self.schema.enums[name] = EnumType(name, [v.this for v in kind.expressions], self.ref(cd))
            return name
        if t == exp.DataType.Type.TINYINT and [_sql(x) for x in kind.expressions] == ["1"]:
            return "BOOLEAN"
        if t in _MYSQL_TYPES:
            return _MYSQL_TYPES[t]
        if t == exp.DataType.Type.UDECIMAL:
            return _sql(exp.DataType(this=exp.DataType.Type.DECIMAL, expressions=kind.expressions))
        if t in _INT_TYPES:
            return _sql(exp.DataType(this=t))
        return _sql(kind)

    def add_column(self, table: Table, cd: exp.ColumnDef) -> None:
        kind = cd.args.get("kind")
        if kind is None:
            if self.reader.read != "sqlite":
                self.fail(f"column {table.qualname}.{cd.name} has no type; add one")
            kind = exp.DataType.build("TEXT")  # SQLite: a column without a type holds anything
        col = Column(name=cd.name, type=self.column_type(table, cd, kind), source=self.ref(cd))
        if col.name in table.columns:
            self.fail(f"column {table.qualname}.{col.name} is declared twice")
        if isinstance(kind, exp.DataType) and kind.this in _SERIALS:
            col.nullable = False
        table.columns[col.name] = col
        for cc in cd.constraints:
            self.apply_column_constraint(table, col, cc)

    def apply_column_constraint(self, table: Table, col: Column, cc: exp.ColumnConstraint) -> None:
        name = cc.name or None
        kind = cc.args.get("kind")
        # A bare constraint (PRIMARY KEY, NOT NULL) has no identifier with a position: use the
        # column's own line rather than the statement's.
        ref = self.ref(cc) if _node_line(cc) else SourceRef(col.source.file, col.source.line)
        if isinstance(kind, exp.NotNullColumnConstraint):
            col.nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            self.set_primary_key(table, PrimaryKey([col.name], name, ref))
            col.nullable = False
        elif isinstance(kind, exp.UniqueColumnConstraint):
            table.uniques.append(UniqueConstraint([col.name], name, ref, bool(kind.args.get("nulls")),
                                                  _deferrable(kind.args.get("options"))))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            col.default = _sql(kind.this)
        elif isinstance(kind, exp.CheckColumnConstraint):
            table.checks.append(CheckConstraint(_sql(kind.this), name, _columns_in(kind.this) or [col.name], ref))
        elif isinstance(kind, exp.Reference):
            table.foreign_keys.append(self.foreign_key([col.name], kind, name, ref))
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            if kind.args.get("expression") is not None:
                col.generated = _sql(kind.args["expression"])
            else:
                col.identity = "always" if kind.this else "by default"
                col.nullable = False
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            col.identity = "by default"
            col.nullable = False
        elif isinstance(kind, exp.ComputedColumnConstraint):
            col.generated = _sql(kind.this)
        elif isinstance(kind, exp.CommentColumnConstraint):
            col.comment = kind.this.this if isinstance(kind.this, exp.Literal) else _sql(kind.this)
        elif isinstance(kind, exp.CollateColumnConstraint):
            if self.reader.read == "postgres":
                self.warn(f"COLLATE on {table.qualname}.{col.name} is not modelled", "info")
        elif isinstance(kind, exp.CharacterSetColumnConstraint) or _sql(cc).upper() == "BINARY":
            pass  # MySQL per-column character set / binary collation: storage, not design
        elif isinstance(kind, exp.OnUpdateColumnConstraint):
            self.skip("ON UPDATE (column)", f"{table.qualname}.{col.name} ON UPDATE {_sql(kind.this)}: "
                      "MySQL's automatic update of the column is not in the model", "not modelled")
        else:
            self.not_understood(f"column constraint {_sql(cc)!r} on {table.qualname}.{col.name} is "
                                "not modelled", "column constraint")

    def foreign_key(self, columns: list[str], reference: exp.Reference, name: str | None,
                    ref: SourceRef) -> ForeignKey:
        target = reference.this
        ref_table = _qualname(target)
        ref_columns = _ident_list(target.expressions) if isinstance(target, exp.Schema) else []
        if not ref_columns:
            parent = self.schema.table(ref_table)
            if parent is not None and parent.primary_key:
                ref_columns = list(parent.primary_key.columns)
            else:
                ref_columns = ["id"]
                self.warn(f"REFERENCES {ref_table} names no column and its primary key is not known "
                          "yet; assumed (id)")
        on_delete, on_update = _fk_actions(reference)
        return ForeignKey(columns, ref_table, ref_columns, on_delete, on_update, name, ref,
                          _deferrable(reference.args.get("options")))

    def set_primary_key(self, table: Table, pk: PrimaryKey) -> None:
        if table.primary_key is not None:
            self.fail(f"table {table.qualname} has two primary keys; keep one")
        table.primary_key = pk
        for c in pk.columns:
            if c in table.columns:
                table.columns[c].nullable = False

    def add_table_constraint(self, table: Table, item: exp.Expression, name: str | None = None,
                             validated: bool = True) -> None:
        ref = self.ref(item)
        if name == UNNAMED_CHECK:
            name = None
        if isinstance(item, exp.Constraint):
            for sub in item.expressions:
                self.add_table_constraint(table, sub, item.name, validated)
            return
        if isinstance(item, exp.PrimaryKey):
            cols = _ident_list(item.expressions)
            self._check_columns(table, cols, "PRIMARY KEY")
            self.set_primary_key(table, PrimaryKey(cols, name, ref, _deferrable(item.args.get("options"))))
        elif isinstance(item, exp.ForeignKey):
            cols = _ident_list(item.expressions)
            self._check_columns(table, cols, "FOREIGN KEY")
            fk = self.foreign_key(cols, item.args["reference"], name, ref)
            fk.validated = validated
            table.foreign_keys.append(fk)
        elif isinstance(item, exp.UniqueColumnConstraint):
            target = item.this
            cols = _ident_list(target.expressions) if isinstance(target, exp.Schema) else []
            if name is None and isinstance(target, exp.Schema) and isinstance(target.this, exp.Identifier):
                name = target.this.name  # MySQL: UNIQUE KEY name (cols)
            self._check_columns(table, cols, "UNIQUE")
            table.uniques.append(UniqueConstraint(cols, name, ref, bool(item.args.get("nulls")),
                                                  _deferrable(item.args.get("options"))))
        elif isinstance(item, exp.CheckColumnConstraint):
            table.checks.append(CheckConstraint(_sql(item.this), name, _columns_in(item.this), ref,
                                                validated))
        elif isinstance(item, exp.IndexColumnConstraint):
            self.mysql_key(table, item, ref)
        else:
            self.not_understood(f"table constraint {_sql(item)!r} on {table.qualname} is not modelled",
                                "table constraint")

    def mysql_key(self, table: Table, item: exp.IndexColumnConstraint, ref: SourceRef) -> None:
        """MySQL's `KEY name (cols)` / `FULLTEXT KEY` / `SPATIAL KEY` inside CREATE TABLE."""
        columns = []
        for part in item.expressions:
            node = part.this if isinstance(part, exp.Ordered) else part
            columns.append(self.key_part(table, node, part, f"KEY on {table.qualname}"))
        kind = (item.args.get("kind") or "")
        name = item.name or self.generated_index_name(table, columns, "idx")
        table.indexes.append(Index(name, table.qualname, columns, method=kind.lower() or None, source=ref))
        self.index_map[self.index_key(table.indexes[-1])] = table.indexes[-1]

    def key_part(self, table: Table, node: exp.Expression, part: exp.Expression, where: str,
                 opclass: str | None = None) -> IndexColumn:
        desc = bool(part.args.get("desc")) if isinstance(part, exp.Ordered) else False
        if isinstance(node, exp.ColumnPrefix):
            node = exp.column(node.this.name)  # MySQL prefix index: col(10)
        if isinstance(node, exp.Column) and not node.table:
            if node.name not in table.columns:
                self.fail(f"{where} names unknown column {node.name!r}")
            return IndexColumn(column=node.name, desc=desc, opclass=opclass)
        return IndexColumn(expression=_sql(node), desc=desc, opclass=opclass)

    def _check_columns(self, table: Table, cols: list[str], what: str) -> None:
        missing = [c for c in cols if c not in table.columns]
        if missing:
            self.fail(f"{what} on {table.qualname} names unknown column(s) {', '.join(missing)}")

    def relation_names(self) -> set[str]:
        """Names in PostgreSQL's relation namespace: tables, indexes (incl. those behind
        PRIMARY KEY / UNIQUE), sequences and views."""
        names = {ix.name for ix in self.index_map.values()}
        for t in self.schema.tables.values():
            names.add(t.name)
            if t.primary_key:
                names.add(t.primary_key.name or _implicit_name(t, [], "pkey"))
            names.update(u.name or _implicit_name(t, u.columns, "key") for u in t.uniques)
        names.update(o.name.split(".")[-1] for o in self.schema.others
                     if o.kind in ("sequence", "view", "materialized view", "index"))
        return names

    def generated_index_name(self, table: Table, columns: list[IndexColumn], label: str) -> str:
        """PostgreSQL's name for an unnamed index (ChooseIndexName / makeObjectName): table and
        column names cut to fit 63 bytes, then `idx`, `idx1`, `idx2`, ... until it is free."""
        parts = [c.column if c.column is not None else _expr_colname(c.expression) for c in columns]
        name2 = "_".join(parts)
        taken = self.relation_names()
        n = 0
        while True:
            lab = label if n == 0 else f"{label}{n}"
            name = _make_object_name(table.name, name2, lab)
            if name not in taken:
                return name
            n += 1

    def create_index(self, e: exp.Create) -> None:
        index = e.this
        params = index.args.get("params")
        target = index.args["table"]
        table = self.need_table(target, if_exists=True)
        if table is None:
            view = self.other("materialized view", _qualname(target))
            if view is None:
                self.need_table(target)
            name = index.name or f"{view.name.split('.')[-1]}_idx"
            self.schema.others.append(OtherObject("index", name, self.stmt.sql, self.ref(), [view.name]))
            return
        name = index.name
        columns = []
        for part in params.args.get("columns") or []:
            node = part.this if isinstance(part, exp.Ordered) else part
            opclass = None
            if isinstance(node, exp.Opclass):
                opclass = _sql(node.expression)
                node = node.this
            columns.append(self.key_part(table, node, part, f"index {name or '(unnamed)'} on {table.qualname}",
                                         opclass))
        if not name:
            name = self.generated_index_name(table, columns, "idx")
        elif self.find_index(f"{table.schema}.{name}" if table.schema else name) is not None:
            if e.args.get("exists"):
                return
            self.fail(f"index {name!r} already exists; drop it first or pick another name")
        where = params.args.get("where")
        using = params.args.get("using")
        include = params.args.get("include") or []
        ix = Index(name=name, table=table.qualname, columns=columns, unique=bool(e.args.get("unique")),
                   where=_sql(where.this) if where is not None else None,
                   method=(using.name.lower() if using is not None else None),
                   include=_ident_list(include), source=self.ref(),
                   nulls_not_distinct=bool(params.args.get("nulls_not_distinct")),
                   only=bool(_INDEX_ON_ONLY.match(self.stmt.sql[:300])))
        table.indexes.append(ix)
        self.index_map[self.index_key(ix)] = ix
        if self.reader.read == "mysql":
            self.drop_covered_fk_indexes(table, ix)

    # -- ALTER -----------------------------------------------------------------------------
    def alter(self, e: exp.Alter) -> None:
        kind = (e.args.get("kind") or "").upper()
        if kind == "INDEX":
            for action in e.args.get("actions") or []:
                if isinstance(action, exp.AlterRename):
                    ix = self.find_index(_qualname(e.this))
                    if ix is None:
                        self.fail(f"index {e.this.name!r} does not exist at this point")
                    self.index_map.pop(self.index_key(ix), None)
                    ix.name = action.this.name
                    self.index_map[self.index_key(ix)] = ix
                    return
            self.not_understood("ALTER INDEX is not modelled", "ALTER INDEX")
            return
        if kind != "TABLE":
            self.not_understood(f"ALTER {kind or '?'} is not modelled", f"ALTER {kind or '?'}")
            return
        table = self.need_table(e.this, if_exists=bool(e.args.get("exists")))
        if table is None:
            return
        validated = not e.args.get("not_valid")
        for action in e.args.get("actions") or []:
            table = self.alter_action(table, action, validated)
        self.innodb_fk_indexes(table)

    def alter_action(self, table: Table, action: exp.Expression, validated: bool = True) -> Table:
        if isinstance(action, exp.ColumnDef):
            if action.name in table.columns and action.args.get("exists"):
                return table
            self.add_column(table, action)
        elif isinstance(action, exp.AddConstraint):
            for c in action.expressions:
                self.add_table_constraint(table, c, validated=validated)
        elif isinstance(action, exp.Drop):
            self.alter_drop(table, action)
        elif isinstance(action, exp.RenameColumn):
            old, new = action.this.name, action.args["to"].name
            self.rename_column(table, old, new)
        elif isinstance(action, exp.AlterRename):
            new = action.this.name
            old_qn = table.qualname
            del self.schema.tables[old_qn]
            table.name = new
            self.schema.tables[table.qualname] = table
            for t in self.schema.tables.values():
                for fk in t.foreign_keys:
                    if fk.ref_table == old_qn:
                        fk.ref_table = table.qualname
            for ix in table.indexes:
                ix.table = table.qualname
        elif isinstance(action, exp.AlterColumn):
            self.alter_column(table, action)
        else:
            self.not_understood(f"ALTER TABLE {table.qualname} action {_first_words(_sql(action))!r} "
                                "is not modelled", "ALTER TABLE")
        return table

    def alter_column(self, table: Table, action: exp.AlterColumn) -> None:
        col = table.columns.get(action.name)
        if col is None:
            self.fail(f"column {table.qualname}.{action.name} does not exist at this point")
        args = action.args
        if args.get("dtype") is not None:
            col.type = _sql(args["dtype"])
        elif "allow_null" in args and args["allow_null"] is not None:
            col.nullable = bool(args["allow_null"])
        elif args.get("drop"):
            col.default = None
        elif args.get("default") is not None:
            col.default = _sql(args["default"])
        else:
            self.not_understood(f"ALTER COLUMN {table.qualname}.{col.name} is not modelled",
                                "ALTER COLUMN")
            return
        col.source = self.ref()

    def rename_column(self, table: Table, old: str, new: str) -> None:
        if old not in table.columns:
            self.fail(f"column {table.qualname}.{old} does not exist at this point")
        if new in table.columns:
            self.fail(f"column {table.qualname}.{new} already exists")
        table.columns = {(new if k == old else k): v for k, v in table.columns.items()}
        table.columns[new].name = new

        def rename(cols: list[str]) -> list[str]:
            return [new if c == old else c for c in cols]

        if table.primary_key:
            table.primary_key.columns = rename(table.primary_key.columns)
        for u in table.uniques:
            u.columns = rename(u.columns)
        for fk in table.foreign_keys:
            fk.columns = rename(fk.columns)
        for ch in table.checks:
            ch.columns = rename(ch.columns)
            ch.expression = _rename_in_sql(ch.expression, old, new)
        for ix in table.indexes:
            for part in ix.columns:
                if part.column == old:
                    part.column = new
                elif part.expression:
                    part.expression = _rename_in_sql(part.expression, old, new)
            ix.include = rename(ix.include)
            if ix.where:
                ix.where = _rename_in_sql(ix.where, old, new)
        for t, fk in self.schema.referencing(table.qualname):
            fk.ref_columns = rename(fk.ref_columns)

    def alter_drop(self, table: Table, action: exp.Drop) -> None:
        kind = (action.args.get("kind") or "").upper()
        names = [t.name for t in action.args.get("tables") or []] or [action.name]
        exists = bool(action.args.get("exists"))
        for name in names:
            if kind == "CONSTRAINT":
                if not self.drop_constraint(table, name) and not exists:
                    self.fail(f"constraint {name!r} not found on {table.qualname}; name it as declared "
                              "(unnamed constraints cannot be dropped by name)")
            else:  # COLUMN (the default)
                if name not in table.columns:
                    if exists:
                        continue
                    self.fail(f"column {table.qualname}.{name} does not exist at this point")
                self.drop_column(table, name)

    def drop_column(self, table: Table, name: str) -> None:
        del table.columns[name]
        # PostgreSQL drops indexes and constraints that involve the column.
        if table.primary_key and name in table.primary_key.columns:
            table.primary_key = None
        table.uniques = [u for u in table.uniques if name not in u.columns]
        table.foreign_keys = [f for f in table.foreign_keys if name not in f.columns]
        table.checks = [c for c in table.checks if name not in c.columns]
        table.indexes = [ix for ix in table.indexes
                         if name not in ix.column_names and name not in ix.include
                         and not any(p.expression and name in _columns_in_sql(p.expression)
                                     for p in ix.columns)]

    def drop_constraint(self, table: Table, name: str) -> bool:
        """Drop by declared name, or by the name PostgreSQL gives an unnamed constraint
        (`users_pkey`, `users_email_key`, `posts_user_id_fkey`, `posts_status_check`)."""
        if table.primary_key and name in (table.primary_key.name, _implicit_name(table, [], "pkey")):
            table.primary_key = None
            return True
        for attr, suffix in (("foreign_keys", "fkey"), ("uniques", "key"), ("checks", "check")):
            items = getattr(table, attr)
            kept = [c for c in items
                    if name not in (c.name, None if c.name else _implicit_name(table, c.columns, suffix))]
            if len(kept) != len(items):
                setattr(table, attr, kept)
                return True
        return False

    # -- DROP / COMMENT --------------------------------------------------------------------
    def drop(self, e: exp.Drop) -> None:
        kind = (e.args.get("kind") or "").upper()
        exists = bool(e.args.get("exists"))
        for target in e.args.get("tables") or [e.this]:
            if kind == "TABLE":
                qn = _qualname(target)
                table = self.schema.table(qn)
                if table is None:
                    if not exists:
                        self.fail(f"DROP TABLE {qn}: no such table at this point")
                    continue
                refs = [t.qualname for t, _ in self.schema.referencing(table.qualname)
                        if t is not table]
                if refs and not e.args.get("cascade"):
                    self.fail(f"DROP TABLE {qn}: still referenced by {', '.join(refs)}; drop those "
                              "foreign keys first or add CASCADE")
                for t in self.schema.tables.values():
                    t.foreign_keys = [f for f in t.foreign_keys if f.ref_table != table.qualname]
                del self.schema.tables[table.qualname]
            elif kind == "INDEX":
                name = target.name
                ix = self.find_index(_qualname(target))
                if ix is None:
                    view_index = self.other("index", name)
                    if view_index is not None:
                        self.schema.others.remove(view_index)
                        self._others = None
                        continue
                    if not exists:
                        self.fail(f"DROP INDEX {name}: no such index at this point")
                    continue
                owner = self.schema.tables[ix.table]
                owner.indexes = [i for i in owner.indexes if i is not ix]
                self.index_map.pop(self.index_key(ix), None)
            elif kind in ("TYPE", "DOMAIN"):
                self.schema.enums.pop(_qualname(target), None)
                self.schema.domains.pop(_qualname(target), None)
                self.drop_other(("type",), target.name)
            elif kind in ("VIEW", "MATERIALIZED VIEW", "FUNCTION", "TRIGGER", "SEQUENCE", "EXTENSION",
                          "SCHEMA", "PROCEDURE"):
                self.drop_other((kind.lower(),), target.name)
            else:
                self.not_understood(f"DROP {kind or '?'} is not modelled", f"DROP {kind or '?'}")

    def drop_other(self, kinds: tuple[str, ...], name: str) -> None:
        self.schema.others = [o for o in self.schema.others
                              if not (o.kind in kinds and o.name.split(".")[-1] == name)]

    def comment(self, e: exp.Comment) -> None:
        kind = (e.args.get("kind") or "").upper()
        text = e.expression.this if isinstance(e.expression, exp.Literal) else None
        target = e.this
        if kind == "TABLE":
            table = self.need_table(target)
            table.comment = text
        elif kind == "COLUMN":
            parts = [p.name for p in target.parts] if isinstance(target, exp.Column) else []
            if len(parts) < 2:
                self.fail("COMMENT ON COLUMN needs table.column")
            qn = ".".join(parts[:-1])
            table = self.schema.table(qn)
            if table is None or parts[-1] not in table.columns:
                self.fail(f"COMMENT ON COLUMN {'.'.join(parts)}: no such column at this point")
            table.columns[parts[-1]].comment = text
        elif kind == "INDEX":
            ix = self.find_index(_qualname(target))
            if ix is None:
                if self.other("index", target.name) is not None:
                    return
                self.fail(f"COMMENT ON INDEX {target.name}: no such index at this point")
            ix.comment = text
        elif kind == "CONSTRAINT":
            self.skip("COMMENT ON CONSTRAINT", "constraint comments are not in the model", "not modelled")
        else:
            self.skip(f"COMMENT ON {kind or '?'}", "comment on an object the model does not describe")


def _implicit_name(table: Table, columns: list[str], suffix: str) -> str:
    """PostgreSQL's name for an unnamed constraint: table_col1_col2_suffix, cut to 63 bytes.
    (A CHECK is named after its first column.)"""
    cols = columns[:1] if suffix == "check" else columns
    return "_".join([table.name, *cols, suffix])[:63]


def _node_line(node: exp.Expression) -> int | None:
    """Line (1-based, relative to the statement) of the first token sqlglot recorded for node."""
    for n in node.walk():
        meta = getattr(n, "meta", None) or {}
        if "line" in meta:
            return meta["line"]
    return None


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


def clean_message(desc: str) -> str:
    """sqlglot messages embed token reprs; show the token text (or 'end of statement')."""
    def token(m: re.Match) -> str:
        return "end of statement" if m.group(1) == "SENTINEL" else repr(m.group(2))
    desc = _TOKEN_REPR.sub(token, desc)
    desc = re.sub(r"Required keyword: '(\w+)' missing for <class 'sqlglot\.expressions\.(?:\w+\.)*(\w+)'>",
                  lambda m: f"incomplete {m.group(2).upper()} clause", desc)
    return desc.rstrip(".")


def _first_words(sql: str, n: int = 4) -> str:
    return " ".join(sql.split()[:n])


def _columns_in_sql(sql: str) -> list[str]:
    return _columns_in(sqlglot.parse_one(sql, read=DIALECT))


def _rename_in_sql(sql: str, old: str, new: str) -> str:
    tree = sqlglot.parse_one(sql, read=DIALECT)
    for c in tree.find_all(exp.Column):
        if c.name == old:
            c.set("this", exp.to_identifier(new))
    return _sql(tree)


def _partition_by(node: exp.Expression) -> str:
    """`RANGE (payment_date)` from sqlglot's PARTITION BY node."""
    if isinstance(node, exp.Anonymous):
        return f"{node.name.upper()} ({', '.join(_sql(x) for x in node.expressions)})"
    return _sql(node)


def _partition_bound(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Var) and node.name.upper() == "DEFAULT":
        return "DEFAULT"
    text = _sql(node)
    return text if text.upper().startswith("FOR VALUES") else f"FOR VALUES {text}"


def _expr_colname(expression: str | None) -> str:
    """The name PostgreSQL gives an index expression in a generated index name: the function's
    name for a function call, else `expr`."""
    try:
        tree = sqlglot.parse_one(expression or "", read=DIALECT)
    except (ParseError, TokenError):
        return "expr"
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, exp.Anonymous):
        return tree.name.lower()
    if isinstance(tree, exp.Func) and not isinstance(tree, (exp.Cast, exp.Binary)):
        return tree.sql_name().lower()
    return "expr"


def _make_object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's makeObjectName: `name1_name2_label` within 63 bytes, shortening the longer
    of name1 and name2 first."""
    b1, b2 = name1.encode(), name2.encode()
    overhead = (1 if b2 else 0) + len(label.encode()) + 1
    avail = 63 - overhead
    n1, n2 = len(b1), len(b2)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    head = b1[:n1].decode(errors="ignore")
    parts = [head, b2[:n2].decode(errors="ignore")] if b2 else [head]
    return "_".join([*parts, label])


_SPECIAL = [(needles, re.compile(p, _F), method) for needles, p, method in [
    (("FUNCTION", "PROCEDURE", "AGGREGATE", "OPERATOR", "CAST", "LANGUAGE", "COLLATION",
      "CONVERSION", "SEARCH", "RULE", "METHOD", "TRANSFORM", "TRIGGER", "EVENT"),
     _CREATE_OTHER.pattern, "s_other"),
    (("EXTENSION",), rf"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?({_N})", "s_extension"),
    (("SCHEMA",), rf"CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?({_N})", "s_schema"),
    (("SEQUENCE",), rf"CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?({_QN})",
     "s_sequence"),
    (("OWNED",), rf"ALTER\s+SEQUENCE\s+(?:IF\s+EXISTS\s+)?({_QN})\s+OWNED\s+BY\s+({_QN})\s*$",
     "s_sequence_owned"),
    (("IDENTITY",), rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_QN})\s+ALTER\s+(?:COLUMN\s+)?({_N})\s+ADD\s+"
     r"GENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b", "s_add_identity"),
    (("ATTACH",), rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_QN})\s+ATTACH\s+PARTITION\s+({_QN})\s+"
     r"(FOR\s+VALUES\b.*|DEFAULT)$", "s_attach"),
    (("DETACH",), rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_QN})\s+DETACH\s+PARTITION\s+({_QN})",
     "s_detach"),
    (("ATTACH",), rf"ALTER\s+INDEX\s+(?:IF\s+EXISTS\s+)?({_QN})\s+ATTACH\s+PARTITION\s+({_QN})\s*$",
     "s_index_attach"),
    (("DOMAIN",), rf"CREATE\s+DOMAIN\s+({_QN})\s+(?:AS\s+)?", "s_domain"),
    (("VIEW",), r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
     r"(?:SQL\s+SECURITY\s+\w+\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?(MATERIALIZED\s+)?"
     rf"VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?({_QN})(?:\s*\([^)]*\))?(?:\s+WITH\s*\([^)]*\))?\s+AS\s+",
     "s_view"),
]]


# Public names for the renderers, which replay statements on a model too.
Applier = _Applier
table_qualname = _qualname
