"""Render a PostgreSQL-dialect migration file statement by statement for one engine.

Each statement is applied to the model (`parse`), and the engine's statements are derived
from the *adapted* models before and after it, so the per-dialect fixes of `render` apply
unchanged (an added TIMESTAMPTZ column is DATETIME(6) on MariaDB, an added VARCHAR(n) gets its
length CHECK on SQLite, ...). PostgreSQL statements are passed through verbatim.

What an engine's ALTER TABLE cannot do is done by rebuilding the table:
- SQLite (no ALTER COLUMN, no ADD/DROP CONSTRAINT): the 12-step procedure of
  https://www.sqlite.org/lang_altertable.html#otheralter - create the new table under a
  temporary name, copy, drop, rename, recreate indexes. `Rendered.foreign_keys_off` tells the
  runner to run ``PRAGMA foreign_keys=OFF`` before its transaction (SQLite ignores the pragma
  inside one, and with foreign keys on, DROP TABLE fires ON DELETE CASCADE on the children).
- DuckDB (no ADD CONSTRAINT, no ADD COLUMN with CHECK/FK, no type change of a column with a
  CHECK): the same rebuild when no other table references this one (DuckDB refuses to drop or
  rename a referenced table); otherwise an added CHECK/FK is left out with a note, and anything
  else that cannot be expressed is an InputError naming file:line.
"""
from __future__ import annotations

from sqlglot import exp

from dbdesign.errors import InputError
from dbdesign.model import CheckConstraint, Column, ForeignKey, Index, Schema, Table, UniqueConstraint
from dbdesign.schema.parse import Applier as _Applier, Statement, split_statements, table_qualname as _qualname
from dbdesign.dialects import get_dialect
from dbdesign.dialects.base import Dialect, PortabilityNote, Rendered, clone

_TX = (exp.Transaction, exp.Commit, exp.Rollback)
_DATA = (exp.Insert, exp.Update, exp.Delete, exp.Select, exp.Merge)


def render_statements(sql_text: str, dialect: str, file: str | None = None,
                      schema_before: Schema | None = None) -> Rendered:
    """Render each statement of a PostgreSQL-dialect migration file for `dialect`.

    `schema_before` is the model before this file (what earlier migrations built); it gives the
    context a table rebuild or an ALTER needs. Returns the statements in order, the notes of
    what this file lost on the engine, and the model after the file as the engine holds it."""
    return _MigrationRenderer(get_dialect(dialect), file).run(sql_text, schema_before)


def _fk_key(fk: ForeignKey):
    return fk.name or (tuple(fk.columns), fk.ref_table, tuple(fk.ref_columns))


def _uq_key(u: UniqueConstraint):
    return u.name or tuple(u.columns)


def _ck_key(c: CheckConstraint):
    return c.name or c.expression


class _MigrationRenderer:
    def __init__(self, d: Dialect, file: str | None):
        self.d = d
        self.file = file
        self.out: list[str] = []
        self.notes: list[PortabilityNote] = []
        self.fk_off = False
        self.stmt: Statement | None = None

    # -- plumbing --------------------------------------------------------------------------
    def adapt(self, schema: Schema) -> tuple[Schema, list[PortabilityNote]]:
        self.d.ctx = type(self.d.ctx)()
        model = self.d.adapt(schema)
        return model, self.d.ctx.notes

    def note(self, feature: str, obj: str, action: str, detail: str) -> None:
        n = PortabilityNote(self.d.name, feature, obj, action, detail, self.where())
        if n not in self.notes:
            self.notes.append(n)

    def where(self) -> str | None:
        return f"{self.file or '<sql>'}:{self.stmt.line}" if self.stmt else None

    def fail(self, message: str) -> None:
        raise InputError(f"{self.d.name}: {message}", self.file, self.stmt.line if self.stmt else None)

    def sql(self, node: exp.Expression) -> str:
        return self.d.sql(node)

    # -- main loop -------------------------------------------------------------------------
    def run(self, sql_text: str, schema_before: Schema | None) -> Rendered:
        running = clone(schema_before) if schema_before is not None else Schema()
        before, before_notes = self.adapt(running)
        for st in split_statements(sql_text, self.file):
            if st.expression is None:
                continue
            self.stmt = st
            after_raw = clone(running)
            _Applier(after_raw, self.file).apply(st)
            after, after_notes = self.adapt(after_raw)
            new_notes = [n for n in after_notes if n not in before_notes]
            self.render_one(st, before, after)
            for n in new_notes:
                n = PortabilityNote(n.engine, n.feature, n.object, n.action, n.detail, self.where())
                if n not in self.notes:
                    self.notes.append(n)
            running, before, before_notes = after_raw, after, after_notes
        self.stmt = None
        return Rendered(self.d.name, self.out, self.notes, before, self.fk_off)

    def render_one(self, st: Statement, before: Schema, after: Schema) -> None:
        e = st.expression
        if isinstance(e, _TX):
            self.note("transaction control", st.sql.split()[0].upper(), "dropped",
                      "the migration runner owns transactions")
            return
        if self.d.MIGRATION_VERBATIM:
            self.out.append(st.sql.strip())
            return
        if isinstance(e, exp.Create):
            self.create(e, before, after)
        elif isinstance(e, exp.Alter):
            self.alter(e, before, after)
        elif isinstance(e, exp.Drop):
            self.drop(e, before, after)
        elif isinstance(e, exp.Comment):
            self.comment(e, before, after)
        elif isinstance(e, _DATA):
            self.out.append(self.sql(self.d.map_expression(e.copy(), "data statement", "data")))
        elif isinstance(e, exp.Command) and str(e.this).upper() == "CREATE" \
                and "EXTENSION" in str(e.expression or "").upper().split()[:4]:
            self.note("extension", " ".join(str(e.expression).split()[:4]), "dropped",
                      "PostgreSQL extension; the functions it provides are emulated per dialect")
        elif isinstance(e, exp.Command) and str(e.this).upper() == "CREATE":
            self.fail(f"{' '.join(st.sql.split()[:3])} is PostgreSQL-specific code that cannot be "
                      "rendered; skipping it would change behaviour - move it to a "
                      "PostgreSQL-only migration or port it by hand")
        else:
            self.note("statement", " ".join(st.sql.split()[:3]), "dropped",
                      "no equivalent on this engine; not run")

    # -- CREATE ----------------------------------------------------------------------------
    def create(self, e: exp.Create, before: Schema, after: Schema) -> None:
        kind = (e.args.get("kind") or "").upper()
        if kind == "TABLE":
            for qn, t in after.tables.items():
                if qn not in before.tables:
                    self.out.extend(self.d.pre_table_statements(t))
                    self.out.append(self.d.create_table_sql(t))
                    self.out.extend(self.d.create_index_sql(t, ix) for ix in t.indexes)
                    if self.d.COMMENTS == "statement":
                        self.out.extend(self.d.comment_statements(t))
        elif kind == "INDEX":
            name = e.this.name
            if before.find_index(name) is None and after.find_index(name) is not None:
                ix = after.find_index(name)
                self.out.append(self.d.create_index_sql(after.tables[ix.table], ix))
            # else: dropped by the dialect (the note says why) or IF NOT EXISTS on an existing one
        elif kind == "TYPE":
            for qn, en in after.enums.items():
                if qn not in before.enums:
                    self.out.append(self.d.create_enum_sql(en))
            if not self.d.caps.enum_type:
                self.note("enum type", _qualname(e.this), "emulated",
                          "no enum types here: each column of this type gets "
                          + ("an inline ENUM(...)" if self.d.caps.inline_enum else "TEXT + CHECK IN"))
        elif kind == "SCHEMA":
            if self.d.SCHEMAS:
                self.out.append(self.sql(exp.Create(kind="SCHEMA", exists=True, this=e.this)))
            else:
                self.note("schema", e.this.sql(), "changed",
                          "no schemas here: its tables go to the connected database")
        elif kind == "VIEW":
            self.out.append(self.sql(self.d.map_expression(e.copy(), "view", "view")))
        else:
            self.fail(f"CREATE {kind} is PostgreSQL-specific code that cannot be rendered; skipping "
                      "it would change behaviour - move it to a PostgreSQL-only migration or port "
                      "it by hand")

    # -- DROP ------------------------------------------------------------------------------
    def drop(self, e: exp.Drop, before: Schema, after: Schema) -> None:
        kind = (e.args.get("kind") or "").upper()
        exists = bool(e.args.get("exists"))
        for target in e.args.get("tables") or [e.this]:
            if kind == "TABLE":
                qn = _qualname(target)
                t = before.table(qn) or before.tables.get(self.flat(qn))
                if t is None and not exists:
                    continue
                name = t.qualname if t is not None else self.flat(qn)
                self.out.append(self.sql(exp.Drop(kind="TABLE", exists=exists or None,
                                                  tables=[self.d.table_node(name)])))
                for seq in (t.__dict__.get("_sequences", []) if t is not None else []):
                    self.out.append(self.sql(exp.Drop(kind="SEQUENCE", tables=[self.d.table_node(seq)])))
            elif kind == "INDEX":
                ix = before.find_index(target.name)
                if ix is None:
                    continue  # dropped by the dialect when created (noted then)
                self.out.append(self.drop_index_sql(before.tables[ix.table], ix, exists))
            elif kind == "TYPE":
                if self.d.caps.enum_type:
                    self.out.append(self.sql(exp.Drop(kind="TYPE", exists=exists or None,
                                                      tables=[self.d.table_node(_qualname(target))])))
            elif kind == "VIEW":
                self.out.append(self.sql(exp.Drop(kind="VIEW", exists=exists or None,
                                                  tables=[self.d.table_node(_qualname(target))])))
            elif kind == "EXTENSION":
                continue
            else:
                self.fail(f"DROP {kind} cannot be rendered for this engine")

    def flat(self, qn: str) -> str:
        return qn if self.d.SCHEMAS else qn.split(".")[-1]

    def drop_index_sql(self, t: Table, ix: Index, exists: bool = False) -> str:
        node = exp.Drop(kind="INDEX", exists=exists or None, tables=[self.d.index_target(t, ix)])
        if self.d.DROP_INDEX_ON_TABLE:
            node.set("cluster", exp.OnProperty(this=self.d.table_node(t.qualname)))
        return self.sql(node)

    # -- COMMENT ---------------------------------------------------------------------------
    def comment(self, e: exp.Comment, before: Schema, after: Schema) -> None:
        kind = (e.args.get("kind") or "").upper()
        if self.d.COMMENTS is None:
            self.note("comment", e.this.sql(), "dropped", "no COMMENT ON here")
            return
        target = e.this
        if kind == "TABLE":
            t = after.table(self.flat(_qualname(target)))
            if self.d.COMMENTS == "statement":
                self.out.append(self.d.comment_sql("TABLE", self.d.table_node(t.qualname), t.comment or ""))
            else:
                self.out.append(self.sql(exp.Alter(this=self.d.table_node(t.qualname), kind="TABLE",
                                                   options=[exp.SchemaCommentProperty(
                                                       this=exp.Literal.string(t.comment or ""))])))
        elif kind == "COLUMN":
            parts = [p.name for p in target.parts]
            t = after.table(self.flat(".".join(parts[:-1])))
            col = t.columns[parts[-1]]
            if self.d.COMMENTS == "statement":
                self.out.append(self.d.comment_sql("COLUMN", self.d.column_target(t, col.name),
                                                   col.comment or ""))
            else:
                self.out.append(self.modify_column_sql(t, col))
        elif kind == "INDEX":
            ix = after.find_index(target.name)
            if ix is not None and ix.comment is not None:
                t = after.tables[ix.table]
                self.out.append(self.d.comment_sql("INDEX", self.d.index_target(t, ix), ix.comment))
        else:
            self.note("comment", e.this.sql(), "dropped", f"COMMENT ON {kind} is not rendered")

    def modify_column_sql(self, t: Table, col: Column) -> str:
        return self.sql(exp.Alter(this=self.d.table_node(t.qualname), kind="TABLE",
                                  actions=[exp.ModifyColumn(this=self.d.column_def(t, col))]))

    # -- ALTER -----------------------------------------------------------------------------
    def alter(self, e: exp.Alter, before: Schema, after: Schema) -> None:
        kind = (e.args.get("kind") or "").upper()
        actions = e.args.get("actions") or []
        if kind == "INDEX":
            for a in actions:
                if isinstance(a, exp.AlterRename):
                    ix = before.find_index(e.this.name)
                    if ix is None:
                        return
                    t = before.tables[ix.table]
                    if self.d.RENAME_INDEX_IN_ALTER_TABLE:
                        node = exp.Alter(this=self.d.table_node(t.qualname), kind="TABLE",
                                         actions=[exp.RenameIndex(this=self.d.ident(ix.name),
                                                                  to=self.d.ident(a.this.name))]) \
                            if hasattr(exp, "RenameIndex") else None
                        if node is None:
                            self.fail("ALTER INDEX ... RENAME cannot be rendered for MariaDB; drop "
                                      "and recreate the index")
                        self.out.append(self.sql(node))
                    else:
                        self.out.append(self.sql(exp.Alter(this=self.d.index_target(t, ix), kind="INDEX",
                                                           actions=[a.copy()])))
            return
        if kind != "TABLE":
            self.fail(f"ALTER {kind} cannot be rendered for this engine")
        qn = self.flat(_qualname(e.this))
        bt = before.table(qn)
        if bt is None:
            return  # ALTER TABLE IF EXISTS on a missing table
        at = after.table(qn)  # None after a table rename
        if all(isinstance(a, (exp.RenameColumn, exp.AlterRename)) for a in actions):
            if self.d.ALTER_TABLE == "rebuild-family":
                return self.rebuild_family(bt, at, before, after, _renames(actions))
            for a in actions:
                if isinstance(a, exp.RenameColumn):
                    node = exp.Alter(this=self.d.table_node(bt.qualname), kind="TABLE", actions=[
                        exp.RenameColumn(this=exp.column(self.d.ident(a.this.name)),
                                         to=exp.column(self.d.ident(a.args["to"].name)))])
                else:
                    node = exp.Alter(this=self.d.table_node(bt.qualname), kind="TABLE", actions=[
                        exp.AlterRename(this=exp.Table(this=self.d.ident(a.this.name)))])
                self.out.append(self.sql(node))
            return
        self.before = before
        self.alter_table(bt, at, after)

    def alter_table(self, bt: Table, at: Table, after: Schema) -> None:
        """Derive the engine's ALTER statements from the table before and after."""
        d = self.d
        added_cols = [c for n, c in at.columns.items() if n not in bt.columns]
        dropped_cols = [n for n in bt.columns if n not in at.columns]
        changed_cols = [c for n, c in at.columns.items() if n in bt.columns and
                        (c.type, c.nullable, c.default, c.generated, c.identity) !=
                        (bt.columns[n].type, bt.columns[n].nullable, bt.columns[n].default,
                         bt.columns[n].generated, bt.columns[n].identity)]
        b_cons, a_cons = _constraints(bt), _constraints(at)
        added_cons = [(k, c) for k, c in a_cons.items() if k not in b_cons]
        dropped_cons = [(k, c) for k, c in b_cons.items() if k not in a_cons]
        dropped_ix = [ix for ix in bt.indexes if ix.name not in {i.name for i in at.indexes}]
        new_col_names = {c.name for c in added_cols}
        # constraints that come with a new column (ADD COLUMN x ... REFERENCES / CHECK)
        with_new = [(k, c) for k, c in added_cons if set(_cons_columns(c)) <= new_col_names]
        other_added = [(k, c) for k, c in added_cons if (k, c) not in with_new]
        # constraints that go away with a dropped column
        with_dropped = [(k, c) for k, c in dropped_cons if set(_cons_columns(c)) & set(dropped_cols)]
        other_dropped = [(k, c) for k, c in dropped_cons if (k, c) not in with_dropped]

        if d.ALTER_TABLE == "rebuild":
            simple_add = all(self.sqlite_can_add(at, c) for c in added_cols)
            if changed_cols or other_added or other_dropped or with_dropped or not simple_add:
                return self.rebuild(bt, at)
            ops = [self.drop_index_sql(bt, ix) for ix in dropped_ix]
            ops += [self.table_op(bt, exp.Drop(tables=[exp.column(d.ident(n))], kind="COLUMN"))
                    for n in dropped_cols]
            for c in added_cols:
                ops.append(self.add_column_sql(at, c, inline=[x for _, x in with_new
                                                              if _cons_columns(x) == [c.name]]))
            self.out.extend(ops)
            return

        if d.ALTER_TABLE == "rebuild-family":
            # DuckDB refuses every ALTER but ADD COLUMN on a table that has an index or is
            # referenced by a foreign key ("Cannot alter entry ... entries that depend on it"),
            # and cannot add a column with a CHECK or FK: rebuild the table and its dependents.
            plain_add = added_cols and not (dropped_cols or changed_cols or added_cons
                                            or dropped_cons or dropped_ix)
            if not plain_add:
                return self.rebuild_family(bt, at, self.before, after)
        ops: list[str] = []
        if d.DROP_CONSTRAINTS_FIRST:
            for k, c in other_dropped + [x for x in with_dropped if x[0][0] == "fk"]:
                ops.append(self.drop_constraint_sql(bt, k, c))
        # after the foreign keys: InnoDB refuses to drop the index an FK uses (1553)
        ops += [self.drop_index_sql(bt, ix) for ix in dropped_ix]
        ops += [self.table_op(bt, exp.Drop(tables=[exp.column(d.ident(n))], kind="COLUMN"))
                for n in dropped_cols]
        for c in added_cols:
            ops.append(self.add_column_sql(at, c, inline=[]))
        for c in changed_cols:
            ops.extend(self.change_column_sql(bt, at, c))
        for k, c in with_new + other_added:
            ops.append(self.add_constraint_sql(at, k, c))
        self.out.extend(ops)

    def sqlite_can_add(self, at: Table, c: Column) -> bool:
        """SQLite's ADD COLUMN limits: no PK/UNIQUE, constant default, NOT NULL needs a default,
        no STORED generated column."""
        if at.primary_key and c.name in at.primary_key.columns:
            return False
        if any(c.name in u.columns for u in at.uniques) or c.generated is not None:
            return False
        if not c.nullable and c.default is None:
            return False
        if c.default is not None:
            node = self.d.parse(c.default)
            if not isinstance(node, (exp.Literal, exp.Null, exp.Boolean, exp.Neg)):
                return False
        fks = [fk for fk in at.foreign_keys if c.name in fk.columns]
        return not fks or c.default is None

    def table_op(self, t: Table, action: exp.Expression) -> str:
        return self.sql(exp.Alter(this=self.d.table_node(t.qualname), kind="TABLE", actions=[action]))

    def add_column_sql(self, t: Table, c: Column, inline: list) -> str:
        cd = self.d.column_def(t, c)
        for x in inline:  # SQLite: constraints of a new column go inline
            if isinstance(x, CheckConstraint):
                kind = exp.CheckColumnConstraint(this=self.d.parse(x.expression))
            else:
                kind = exp.Reference(this=exp.Schema(this=self.d.table_node(x.ref_table),
                                                     expressions=self.d.idents(x.ref_columns)),
                                     options=[f"ON DELETE {x.on_delete}"] * bool(x.on_delete)
                                     + [f"ON UPDATE {x.on_update}"] * bool(x.on_update))
            cd.append("constraints", exp.ColumnConstraint(this=self.d.ident(x.name) if x.name else None,
                                                          kind=kind))
        return self.table_op(t, cd)

    def change_column_sql(self, bt: Table, at: Table, c: Column) -> list[str]:
        if self.d.MODIFY_COLUMN:
            return [self.modify_column_sql(at, c)]
        old = bt.columns[c.name]
        out = []
        col = exp.column(self.d.ident(c.name))
        if c.type != old.type:
            out.append(self.table_op(at, exp.AlterColumn(this=col, dtype=self.d.column_type_node(c))))
        if c.nullable != old.nullable:
            out.append(self.table_op(at, exp.AlterColumn(this=col, allow_null=c.nullable)))
        if c.default != old.default:
            out.append(self.table_op(at, exp.AlterColumn(this=col, drop=True) if c.default is None
                                     else exp.AlterColumn(this=col, default=self.d.default_node(c))))
        return out

    def add_constraint_sql(self, t: Table, key, c) -> str:
        kind = key[0]
        if kind == "pk":
            node = self.d.named(c.name, exp.PrimaryKey(expressions=self.d.idents(c.columns)))
        elif kind == "unique":
            node = self.d.named(c.name, exp.UniqueColumnConstraint(
                this=exp.Schema(expressions=self.d.idents(c.columns))))
        elif kind == "check":
            node = self.d.check_node(c)
        else:
            node = self.d.fk_node(c)
        return self.table_op(t, exp.AddConstraint(expressions=[node]))

    def drop_constraint_sql(self, t: Table, key, c) -> str:
        if key[0] == "pk":
            return f"ALTER TABLE {self.sql(self.d.table_node(t.qualname))} DROP PRIMARY KEY"
        if not getattr(c, "name", None):
            self.fail(f"cannot drop an unnamed {key[0]} constraint on {t.qualname} on this engine "
                      "(its generated name is unknown); name the constraint where it is created")
        return self.table_op(t, exp.Drop(tables=[exp.Table(this=self.d.ident(c.name))], kind="CONSTRAINT"))

    def rebuild_family(self, bt: Table, at: Table, before: Schema, after: Schema,
                       renames: tuple[dict[str, str], str | None] = ({}, None)) -> None:
        """DuckDB: keep the rows of the table and of every table that (transitively) references
        it, drop them children first, recreate them from the new model, copy the rows back."""
        d = self.d
        col_map, new_name = renames
        if at is None:
            at = after.table(f"{bt.schema}.{new_name}" if bt.schema and new_name else new_name or bt.qualname)
        family: list[str] = [at.qualname]
        grew = True
        while grew:
            grew = False
            for t in after.tables.values():
                if t.qualname not in family and any(fk.ref_table in family for fk in t.foreign_keys):
                    family.append(t.qualname)
                    grew = True
        order = [t for t in _creation_order(after) if t.qualname in family]
        old_name = {at.qualname: bt.qualname}
        stmts: list[str] = []
        for t in order:
            keep = self.keep_name(t)
            if t is at:
                cols = [n for n, c in at.columns.items() if c.generated is None
                        and col_map.get(n, n) in bt.columns]
                select = []
                for n in cols:
                    src = col_map.get(n, n)
                    node: exp.Expression = exp.column(d.ident(src))
                    if at.columns[n].type != bt.columns[src].type:
                        node = exp.Cast(this=node, to=d.column_type_node(at.columns[n]))
                    select.append(exp.alias_(node, d.ident(n)) if src != n or isinstance(node, exp.Cast)
                                  else node)
            else:
                cols = [n for n, c in t.columns.items() if c.generated is None]
                select = [exp.column(d.ident(n)) for n in cols]
            t.__dict__["_copy_cols"] = cols
            src_table = old_name.get(t.qualname, t.qualname)
            stmts.append(self.sql(exp.Create(kind="TABLE", this=d.table_node(keep),
                                             expression=exp.select(*select).from_(d.table_node(src_table)))))
        for t in reversed(order):
            stmts.append(self.sql(exp.Drop(kind="TABLE", tables=[d.table_node(old_name.get(t.qualname, t.qualname))])))
        for t in order:
            stmts.append(d.create_table_sql(t))
        for t in order:
            stmts.extend(self.copy_back(t, t.__dict__.pop("_copy_cols")))
            stmts.append(self.sql(exp.Drop(kind="TABLE", tables=[d.table_node(self.keep_name(t))])))
        for t in order:
            stmts.extend(d.create_index_sql(t, ix) for ix in t.indexes)
            if d.COMMENTS == "statement":
                stmts.extend(d.comment_statements(t))
        self.out.extend(stmts)
        others = [q for q in family if q != at.qualname]
        self.note("table rebuild", at.qualname, "emulated",
                  "DuckDB cannot ALTER a table with indexes or foreign-key references: rows kept, "
                  "table recreated" + (f" with its dependents {', '.join(others)}" if others else ""))

    # DuckDB checks a self-referencing FK against rows already in the table, not against the
    # rows of the same INSERT: a thread of comments is copied back level by level. The level
    # statement is repeated (a no-op once every row is back) and a guard fails loudly if the
    # tree is deeper than that, rather than losing rows.
    SELF_REF_LEVELS = 24

    def copy_back(self, t: Table, cols: list[str]) -> list[str]:
        d = self.d
        keep = d.table_node(self.keep_name(t))
        target = d.table_node(t.qualname)
        select = exp.select(*[exp.column(d.ident(n), table="k") for n in cols]).from_(
            exp.alias_(keep, "k", table=True))

        def insert(where: exp.Expression | None) -> str:
            q = select.copy()
            if where is not None:
                q = q.where(where)
            return self.sql(exp.insert(q, exp.Schema(this=target, expressions=d.idents(cols))))

        self_fks = [fk for fk in t.foreign_keys if fk.ref_table == t.qualname]
        if not self_fks:
            return [insert(None)]
        pk = t.primary_key.columns if t.primary_key else []
        if len(pk) != 1 or any(len(fk.columns) != 1 for fk in self_fks):
            self.fail(f"cannot rebuild {t.qualname} on DuckDB: a self-referencing foreign key "
                      "needs a single-column primary key and single-column references")
        # a row can go in once each of its self-references is NULL or already back
        ready = [exp.or_(exp.Is(this=exp.column(d.ident(fk.columns[0]), table="k"), expression=exp.Null()),
                         exp.column(d.ident(fk.columns[0]), table="k").isin(
                             query=exp.select(exp.column(d.ident(fk.ref_columns[0]))).from_(target)))
                 for fk in self_fks]
        level = exp.and_(*ready, exp.not_(exp.column(d.ident(pk[0]), table="k").isin(
            query=exp.select(exp.column(d.ident(pk[0]))).from_(target))))
        out = [insert(level)] * (self.SELF_REF_LEVELS + 1)
        guard = exp.If(this=exp.EQ(this=exp.select(exp.Count(this=exp.Star())).from_(target).subquery(),
                                   expression=exp.select(exp.Count(this=exp.Star())).from_(keep).subquery()),
                       true=exp.Literal.number(0),
                       false=exp.func("error", exp.Literal.string(
                           f"{t.qualname}: self-reference deeper than {self.SELF_REF_LEVELS} levels; "
                           "rows not copied back")))
        out.append(self.sql(exp.select(guard)))
        return out

    def keep_name(self, t: Table) -> str:
        name = f"_{t.name}_keep"
        return f"{t.schema}.{name}" if t.schema else name

    def rebuild(self, bt: Table, at: Table) -> None:
        """The table-rebuild sequence: new table under a temporary name, copy, drop, rename."""
        d = self.d
        tmp = f"_{at.name}_new"
        tmp_qn = f"{at.schema}.{tmp}" if at.schema else tmp
        cols = [n for n, c in at.columns.items() if n in bt.columns and c.generated is None]
        select = []
        for n in cols:
            node: exp.Expression = exp.column(d.ident(n))
            if at.columns[n].type != bt.columns[n].type:
                node = exp.Cast(this=node, to=d.column_type_node(at.columns[n]))
            select.append(node)
        stmts = [d.create_table_sql(at, name=tmp_qn)]
        insert = exp.insert(exp.select(*select).from_(d.table_node(bt.qualname)),
                            exp.Schema(this=d.table_node(tmp_qn), expressions=d.idents(cols)))
        stmts.append(self.sql(insert))
        stmts.append(self.sql(exp.Drop(kind="TABLE", tables=[d.table_node(bt.qualname)])))
        stmts.append(self.sql(exp.Alter(this=d.table_node(tmp_qn), kind="TABLE", actions=[
            exp.AlterRename(this=exp.Table(this=d.ident(at.name)))])))
        stmts.extend(d.create_index_sql(at, ix) for ix in at.indexes)
        if d.COMMENTS == "statement":
            stmts.extend(d.comment_statements(at))
        self.out.extend(stmts)
        if d.REBUILD_FOREIGN_KEYS_OFF:
            self.fk_off = True
        self.note("table rebuild", at.qualname, "emulated",
                  "ALTER TABLE cannot do this here: new table, copy rows, drop, rename"
                  + (" (run with PRAGMA foreign_keys=OFF; see Rendered.foreign_keys_off)"
                     if d.REBUILD_FOREIGN_KEYS_OFF else ""))


def _renames(actions) -> tuple[dict[str, str], str | None]:
    """(new column name -> old, new table name) of RENAME actions."""
    cols, table = {}, None
    for a in actions:
        if isinstance(a, exp.RenameColumn):
            cols[a.args["to"].name] = a.this.name
        elif isinstance(a, exp.AlterRename):
            table = a.this.name
    return cols, table


def _constraints(t: Table) -> dict:
    out: dict = {}
    if t.primary_key:
        out[("pk", tuple(t.primary_key.columns))] = t.primary_key
    for u in t.uniques:
        out[("unique", _uq_key(u))] = u
    for c in t.checks:
        out[("check", _ck_key(c))] = c
    for fk in t.foreign_keys:
        out[("fk", _fk_key(fk))] = fk
    return out


def _cons_columns(c) -> list[str]:
    return list(getattr(c, "columns", []) or [])


def _creation_order(model: Schema) -> list[Table]:
    from dbdesign.dialects.base import table_order
    return table_order(model)[0]
