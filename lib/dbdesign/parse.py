"""PostgreSQL-dialect DDL -> `Schema`, with sqlglot.

Statements are split on sqlglot's own tokens (so `;` inside strings and `$$` bodies is safe) and
parsed one by one, which lets every object remember the file and line it came from and lets a
syntax error be reported as ``file:line:col``. Statements are *applied* to a schema in order, so
a migrations folder is read by applying its up files one after another (`source`).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from .errors import InputError
from .model import (CheckConstraint, Column, Diagnostic, EnumType, ForeignKey, Index, IndexColumn,
                    OtherObject, PrimaryKey, Schema, SourceRef, Table, UniqueConstraint)

DIALECT = "postgres"
_FK_ACTIONS = ("CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION")
# Statements that change data, not schema: understood, and deliberately not modelled.
_DATA_STATEMENTS = (exp.Insert, exp.Update, exp.Delete, exp.Select, exp.Merge)
# Statements about sessions, permissions or transactions: understood, no effect on the model.
_NEUTRAL_STATEMENTS = (exp.Grant, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Use)
# PostgreSQL statements sqlglot may not parse; they are reported as not understood, not as
# syntax errors. Any other statement that fails to parse is an error (exit 2).
_OTHER_POSTGRES_VERBS = {"CLUSTER", "REINDEX", "VACUUM", "ANALYZE", "LOCK", "NOTIFY", "LISTEN",
                         "SECURITY", "REFRESH", "DISCARD", "CHECKPOINT", "IMPORT", "REASSIGN",
                         "DO", "CALL", "COPY", "PREPARE", "EXECUTE", "DEALLOCATE", "LOAD"}
_NEUTRAL_COMMANDS = {"BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SET", "RESET", "GRANT",
                     "REVOKE", "ANALYZE", "VACUUM", "SELECT", "DO", "TRUNCATE"}

logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass
class Statement:
    sql: str
    line: int
    col: int
    expression: exp.Expression | None  # None for an empty statement


def _raise_parse_error(err: Exception, file: str | None, base_line: int, base_col: int) -> None:
    detail = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
    line = detail.get("line") or 1
    col = detail.get("col") or 1
    desc = clean_message(detail.get("description") or str(err).splitlines()[0])
    abs_line = base_line + line - 1
    abs_col = col + base_col - 1 if line == 1 else col
    raise InputError(f"syntax error: {desc}; fix the statement (PostgreSQL dialect expected)",
                     file, abs_line, abs_col) from None


def split_statements(text: str, file: str | None = None) -> list[Statement]:
    """Split SQL text into statements with their 1-based line/col, each parsed by sqlglot."""
    try:
        tokens = Postgres().tokenize(text)
    except TokenError:
        offset = _unterminated_at(text)
        line, col = _line_col(text, offset) if offset is not None else (None, None)
        raise InputError("unterminated string, quoted name or comment starts here; close it",
                         file, line, col) from None

    groups: list[list] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(tok)

    statements = []
    for group in groups:
        if not group:
            continue
        first, last = group[0], group[-1]
        sql = text[first.start:last.end + 1]
        line = first.line
        col = first.col - len(first.text) + 1
        try:
            expression = sqlglot.parse_one(sql, read=DIALECT)
        except (ParseError, TokenError) as err:
            if first.text.upper() not in _OTHER_POSTGRES_VERBS:
                _raise_parse_error(err, file, line, col)
            expression = exp.Command(this=first.text.upper(), expression=sql)  # valid, not modelled
        statements.append(Statement(sql, line, max(col, 1), expression))
    return statements


def parse_sql(text: str, file: str | None = None, schema: Schema | None = None) -> Schema:
    """Apply every statement in `text` to `schema` (a new one by default) and return it."""
    schema = schema if schema is not None else Schema()
    if file is not None:
        schema.sources.append(file)
    applier = _Applier(schema, file)
    for stmt in split_statements(text, file):
        applier.apply(stmt)
    return schema


def parse_file(path: str, schema: Schema | None = None, display: str | None = None) -> Schema:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise InputError("no such file; give a .sql file or a migrations folder", display or path) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason}); save the file as UTF-8", display or path) from None
    return parse_sql(text, display or path, schema)


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


class _Applier:
    """Applies parsed statements to a Schema, one at a time."""

    def __init__(self, schema: Schema, file: str | None):
        self.schema = schema
        self.file = file
        self.stmt: Statement | None = None

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

    # -- dispatch --------------------------------------------------------------------------
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
            pass  # data, not schema: the migration lint reports mixing; the model ignores it
        elif isinstance(e, _NEUTRAL_STATEMENTS):
            pass
        elif isinstance(e, exp.Command):
            self.command(e)
        else:
            self.warn(f"statement not understood ({type(e).__name__}: {_first_words(stmt.sql)}); "
                      "it is not in the model")

    def command(self, e: exp.Command) -> None:
        head = str(e.this).upper()
        rest = str(e.expression or "")
        words = rest.split()
        if head == "CREATE":
            upper = [w.upper() for w in words]
            for kind in ("EXTENSION", "FUNCTION", "PROCEDURE", "SEQUENCE", "SCHEMA", "TRIGGER",
                         "VIEW", "DOMAIN", "AGGREGATE"):
                if kind in upper[:4]:
                    pos = upper.index(kind) + 1
                    while pos < len(upper) and upper[pos] in ("IF", "NOT", "EXISTS"):
                        pos += 1
                    name = words[pos].split("(")[0].strip('"') if pos < len(words) else "?"
                    self.schema.others.append(OtherObject(kind.lower(), name, self.stmt.sql, self.ref()))
                    return
        if head == "ALTER" and len(words) >= 5 and words[0].upper() == "TYPE":
            if self.alter_enum(words, rest):
                return
        if head in _NEUTRAL_COMMANDS:
            return
        self.warn(f"statement not understood ({_first_words(self.stmt.sql)}); it is not in the model")

    def alter_enum(self, words: list[str], rest: str) -> bool:
        """ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE|AFTER 'w'] / RENAME VALUE."""
        enum = self.schema.enums.get(words[1].strip('"'))
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

    # -- CREATE ----------------------------------------------------------------------------
    def create(self, e: exp.Create) -> None:
        kind = (e.args.get("kind") or "").upper()
        if kind == "TABLE":
            self.create_table(e)
        elif kind == "INDEX":
            self.create_index(e)
        elif kind == "TYPE":
            dtype = e.expression
            if isinstance(dtype, exp.DataType) and dtype.this == exp.DataType.Type.ENUM:
                name = _qualname(e.this)
                values = [v.this for v in dtype.expressions]
                self.schema.enums[name] = EnumType(name, values, self.ref())
            else:
                self.schema.others.append(OtherObject("type", _qualname(e.this), self.stmt.sql, self.ref()))
        elif kind in ("VIEW", "TRIGGER", "FUNCTION", "PROCEDURE", "SEQUENCE", "SCHEMA"):
            target = e.this
            if kind == "SCHEMA" and isinstance(target, exp.Table) and not target.name:
                name = target.args["db"].name  # sqlglot keeps a schema name in the Table's db slot
            else:
                name = _qualname(target) if isinstance(target, (exp.Table, exp.Schema)) else target.name
            self.schema.others.append(OtherObject(kind.lower(), name, self.stmt.sql, self.ref()))
        else:
            self.warn(f"CREATE {kind or '?'} not understood; it is not in the model")

    def create_table(self, e: exp.Create) -> None:
        target = e.this
        if not isinstance(target, exp.Schema) or e.expression is not None:
            self.warn("CREATE TABLE without a column list (AS SELECT / LIKE) is not modelled; "
                      "write the columns out")
            return
        name, schema_name = _table_name(target)
        table = Table(name=name, schema=schema_name, source=self.ref())
        if table.qualname in self.schema.tables:
            if e.args.get("exists"):
                return  # CREATE TABLE IF NOT EXISTS on an existing table: a no-op
            self.fail(f"table {table.qualname!r} is created twice; drop it first or use ALTER TABLE")
        for item in target.expressions:
            if isinstance(item, exp.ColumnDef):
                self.add_column(table, item)
            else:
                self.add_table_constraint(table, item)
        self.schema.tables[table.qualname] = table

    def add_column(self, table: Table, cd: exp.ColumnDef) -> None:
        kind = cd.args.get("kind")
        if kind is None:
            self.fail(f"column {table.qualname}.{cd.name} has no type; add one")
        col = Column(name=cd.name, type=_sql(kind), source=self.ref(cd))
        if col.name in table.columns:
            self.fail(f"column {table.qualname}.{col.name} is declared twice")
        if kind.this in (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL,
                         exp.DataType.Type.SMALLSERIAL):
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
            table.uniques.append(UniqueConstraint([col.name], name, ref))
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
        elif isinstance(kind, exp.ComputedColumnConstraint):
            col.generated = _sql(kind.this)
        elif isinstance(kind, exp.CommentColumnConstraint):
            col.comment = kind.this.this if isinstance(kind.this, exp.Literal) else _sql(kind.this)
        elif isinstance(kind, exp.CollateColumnConstraint):
            self.warn(f"COLLATE on {table.qualname}.{col.name} is not modelled", "info")
        else:
            self.warn(f"column constraint {_sql(cc)!r} on {table.qualname}.{col.name} not understood; "
                      "it is not in the model")

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
        return ForeignKey(columns, ref_table, ref_columns, on_delete, on_update, name, ref)

    def set_primary_key(self, table: Table, pk: PrimaryKey) -> None:
        if table.primary_key is not None:
            self.fail(f"table {table.qualname} has two primary keys; keep one")
        table.primary_key = pk
        for c in pk.columns:
            if c in table.columns:
                table.columns[c].nullable = False

    def add_table_constraint(self, table: Table, item: exp.Expression, name: str | None = None) -> None:
        ref = self.ref(item)
        if isinstance(item, exp.Constraint):
            for sub in item.expressions:
                self.add_table_constraint(table, sub, item.name)
            return
        if isinstance(item, exp.PrimaryKey):
            cols = _ident_list(item.expressions)
            self._check_columns(table, cols, "PRIMARY KEY")
            self.set_primary_key(table, PrimaryKey(cols, name, ref))
        elif isinstance(item, exp.ForeignKey):
            cols = _ident_list(item.expressions)
            self._check_columns(table, cols, "FOREIGN KEY")
            table.foreign_keys.append(self.foreign_key(cols, item.args["reference"], name, ref))
        elif isinstance(item, exp.UniqueColumnConstraint):
            target = item.this
            cols = _ident_list(target.expressions) if isinstance(target, exp.Schema) else []
            self._check_columns(table, cols, "UNIQUE")
            table.uniques.append(UniqueConstraint(cols, name, ref))
        elif isinstance(item, exp.CheckColumnConstraint):
            table.checks.append(CheckConstraint(_sql(item.this), name, _columns_in(item.this), ref))
        else:
            self.warn(f"table constraint {_sql(item)!r} on {table.qualname} not understood; "
                      "it is not in the model")

    def _check_columns(self, table: Table, cols: list[str], what: str) -> None:
        missing = [c for c in cols if c not in table.columns]
        if missing:
            self.fail(f"{what} on {table.qualname} names unknown column(s) {', '.join(missing)}")

    def create_index(self, e: exp.Create) -> None:
        index = e.this
        params = index.args.get("params")
        table = self.need_table(index.args["table"])
        name = index.name
        if not name:
            self.fail("CREATE INDEX without a name; name it idx_{table}_{columns}")
        if self.schema.find_index(name) is not None:
            if e.args.get("exists"):
                return
            self.fail(f"index {name!r} already exists; drop it first or pick another name")
        columns = []
        for part in params.args.get("columns") or []:
            desc = bool(part.args.get("desc")) if isinstance(part, exp.Ordered) else False
            node = part.this if isinstance(part, exp.Ordered) else part
            if isinstance(node, exp.Column) and not node.table:
                if node.name not in table.columns:
                    self.fail(f"index {name} on {table.qualname} names unknown column {node.name!r}")
                columns.append(IndexColumn(column=node.name, desc=desc))
            else:
                columns.append(IndexColumn(expression=_sql(node), desc=desc))
        where = params.args.get("where")
        using = params.args.get("using")
        include = params.args.get("include") or []
        table.indexes.append(Index(
            name=name, table=table.qualname, columns=columns, unique=bool(e.args.get("unique")),
            where=_sql(where.this) if where is not None else None,
            method=(using.name.lower() if using is not None else None),
            include=_ident_list(include), source=self.ref()))

    # -- ALTER -----------------------------------------------------------------------------
    def alter(self, e: exp.Alter) -> None:
        kind = (e.args.get("kind") or "").upper()
        if kind == "INDEX":
            for action in e.args.get("actions") or []:
                if isinstance(action, exp.AlterRename):
                    ix = self.schema.find_index(e.this.name)
                    if ix is None:
                        self.fail(f"index {e.this.name!r} does not exist at this point")
                    ix.name = action.this.name
                    return
            self.warn("ALTER INDEX not understood; it is not in the model")
            return
        if kind != "TABLE":
            self.warn(f"ALTER {kind or '?'} not understood; it is not in the model")
            return
        table = self.need_table(e.this, if_exists=bool(e.args.get("exists")))
        if table is None:
            return
        for action in e.args.get("actions") or []:
            table = self.alter_action(table, action)

    def alter_action(self, table: Table, action: exp.Expression) -> Table:
        if isinstance(action, exp.ColumnDef):
            if action.name in table.columns and action.args.get("exists"):
                return table
            self.add_column(table, action)
        elif isinstance(action, exp.AddConstraint):
            for c in action.expressions:
                self.add_table_constraint(table, c)
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
            self.warn(f"ALTER TABLE {table.qualname} action {_first_words(_sql(action))!r} not "
                      "understood; it is not in the model")
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
            self.warn(f"ALTER COLUMN {table.qualname}.{col.name} not understood; it is not in the model")
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
                ix = self.schema.find_index(name)
                if ix is None:
                    if not exists:
                        self.fail(f"DROP INDEX {name}: no such index at this point")
                    continue
                owner = self.schema.tables[ix.table]
                owner.indexes = [i for i in owner.indexes if i is not ix]
            elif kind == "TYPE":
                self.schema.enums.pop(_qualname(target), None)
            elif kind in ("VIEW", "FUNCTION", "TRIGGER", "SEQUENCE", "EXTENSION", "SCHEMA", "PROCEDURE"):
                name = target.name
                self.schema.others = [o for o in self.schema.others
                                      if not (o.kind == kind.lower() and o.name.split(".")[-1] == name)]
            else:
                self.warn(f"DROP {kind or '?'} not understood; it is not in the model")

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
            ix = self.schema.find_index(target.name)
            if ix is None:
                self.fail(f"COMMENT ON INDEX {target.name}: no such index at this point")
            ix.comment = text
        elif kind == "CONSTRAINT":
            self.warn("COMMENT ON CONSTRAINT is not modelled; put the reason in the migration", "info")
        else:
            self.warn(f"COMMENT ON {kind or '?'} not understood; it is not in the model")


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


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _unterminated_at(text: str) -> int | None:
    """Offset of the quote or comment opener that is never closed (the tokenizer's own error
    position is the start of the chunk it was reading, which is not where the problem is)."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return i
            i = j + 2
            continue
        if ch in "'\"":
            j = i + 1
            while True:
                j = text.find(ch, j)
                if j < 0:
                    return i
                if text.startswith(ch * 2, j):  # doubled quote is an escaped quote
                    j += 2
                    continue
                break
            i = j + 1
            continue
        if ch == "$":
            m = re.match(r"\$[A-Za-z_]*\$", text[i:])
            if m:
                j = text.find(m.group(0), i + len(m.group(0)))
                if j < 0:
                    return i
                i = j + len(m.group(0))
                continue
        i += 1
    return None


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


# Public names for the renderers, which replay statements on a model too.
Applier = _Applier
table_qualname = _qualname
