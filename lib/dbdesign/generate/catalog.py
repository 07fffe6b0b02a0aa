"""The constraint catalogue and the index documentation: the seed's "Constraint Catalog" and
"Index Documentation" outputs, built from the one schema model.

Every NOT NULL, UNIQUE (constraint or unique index), CHECK, FOREIGN KEY, PRIMARY KEY and DEFAULT
gets one entry saying what it protects and why. The text is the author's own where there is one
(`COMMENT ON ...`, or the `--` comment block written right above a `CREATE INDEX` in a
migration), else a sentence generated from the model - so an undocumented constraint still
reads as a rule a reviewer can check, and a documented one keeps its author's reason.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from dbdesign.model import CheckConstraint, Column, ForeignKey, Index, Schema, SourceRef, Table
from dbdesign.schema.naming import DEFAULT, Conventions, conventions, expression_columns, singular_table

if TYPE_CHECKING:  # pandas is imported lazily: the CLI's JSON/Markdown paths do not need it
    from dbdesign.config import Config
    import pandas as pd

KINDS = ("PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CHECK", "NOT NULL", "DEFAULT")


@dataclass
class ConstraintEntry:
    """One guard the database enforces (or fills in) for a table."""
    table: str
    kind: str  # one of KINDS
    columns: list[str]
    name: str | None  # constraint / index name; None when the DDL left it unnamed
    definition: str  # the rule as SQL text
    description: str  # what it protects and why
    description_source: str  # "comment" (COMMENT ON), "sql-comment" (migration -- comment), "generated"
    enforced_by: str = "constraint"  # "constraint" | "unique index" | "column" | "enum type"
    on_delete: str | None = None  # foreign keys: as written (None = not specified)
    on_update: str | None = None
    references: str | None = None  # foreign keys: "users(id)"
    where: str | None = None  # unique indexes: partial predicate
    column_comment: str | None = None  # COMMENT ON COLUMN of a single-column guard, for context
    file: str | None = None
    line: int | None = None


@dataclass
class IndexEntry:
    """One index, declared (`CREATE INDEX`) or implied by a PRIMARY KEY / UNIQUE constraint."""
    table: str
    name: str | None
    columns: list[str]  # key parts as written: "created_at DESC", "(lower(email))"
    unique: bool
    where: str | None
    method: str  # "btree" unless the DDL says otherwise
    include: list[str]
    origin: str  # "CREATE INDEX" | "PRIMARY KEY" | "UNIQUE constraint"
    purpose: str  # rationale: COMMENT ON INDEX, the migration's comment, or generated
    purpose_source: str  # "comment" | "sql-comment" | "generated"
    serves: list[str] = field(default_factory=list)  # generated facts: FKs, uniqueness, sorting
    file: str | None = None
    line: int | None = None


@dataclass
class Catalog:
    constraints: list[ConstraintEntry]
    indexes: list[IndexEntry]

    # -- views -----------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts a reviewer (and a checked notebook cell) can compare at a glance."""
        by_kind = {k: sum(1 for c in self.constraints if c.kind == k) for k in KINDS}
        return {
            "constraints": len(self.constraints),
            "by_kind": by_kind,
            "documented_by_author": sum(1 for c in self.constraints if c.description_source != "generated"),
            "indexes": len(self.indexes),
            "declared_indexes": sum(1 for i in self.indexes if i.origin == "CREATE INDEX"),
            "unique_indexes": sum(1 for i in self.indexes if i.unique),
            "partial_indexes": sum(1 for i in self.indexes if i.where),
        }

    def for_table(self, table: str) -> "Catalog":
        return Catalog([c for c in self.constraints if c.table == table],
                       [i for i in self.indexes if i.table == table])

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: {"constraints": [...], "indexes": [...], "summary": {...}}."""
        return {"constraints": [asdict(c) for c in self.constraints],
                "indexes": [asdict(i) for i in self.indexes],
                "summary": self.summary()}

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd
        rows = [{"table": c.table, "kind": c.kind, "columns": ", ".join(c.columns),
                 "name": c.name or "", "definition": c.definition, "description": c.description,
                 "source": c.description_source, "at": _loc(c.file, c.line)} for c in self.constraints]
        return pd.DataFrame(rows, columns=["table", "kind", "columns", "name", "definition",
                                           "description", "source", "at"])

    def indexes_frame(self) -> "pd.DataFrame":
        import pandas as pd
        rows = [{"table": i.table, "index": i.name or "", "columns": ", ".join(i.columns),
                 "unique": i.unique, "where": i.where or "", "method": i.method,
                 "origin": i.origin, "purpose": i.purpose, "source": i.purpose_source,
                 "at": _loc(i.file, i.line)} for i in self.indexes]
        return pd.DataFrame(rows, columns=["table", "index", "columns", "unique", "where", "method",
                                           "origin", "purpose", "source", "at"])

    def to_markdown(self) -> str:
        """Both documents as Markdown: one constraint table per table, then the index list."""
        out = ["# Constraint catalogue", ""]
        s = self.summary()
        out.append(f"{s['constraints']} constraints ("
                   + ", ".join(f"{n} {k}" for k, n in s["by_kind"].items() if n)
                   + f"); {s['documented_by_author']} described by their author, the rest by a "
                     "generated sentence.")
        tables = list(dict.fromkeys(c.table for c in self.constraints))
        for table in tables:
            out += ["", f"## {table}", "", "| kind | columns | definition | what it protects |",
                    "|---|---|---|---|"]
            for c in self.constraints:
                if c.table != table:
                    continue
                desc = c.description
                if c.description_source != "generated":
                    desc += f" *({c.description_source})*"
                if c.column_comment and c.column_comment != c.description:
                    desc += f" Column: {c.column_comment}"
                out.append(f"| {c.kind} | {_md(', '.join(c.columns))} | {_md(f'`{c.definition}`')} | {_md(desc)} |")
        out += ["", "# Indexes", "",
                f"{s['indexes']} indexes ({s['declared_indexes']} declared with CREATE INDEX, the "
                f"rest implied by PRIMARY KEY / UNIQUE constraints); {s['partial_indexes']} partial.",
                "", "| table | index | columns | unique | partial WHERE | method | purpose |",
                "|---|---|---|---|---|---|---|"]
        for i in self.indexes:
            purpose = i.purpose
            if i.purpose_source != "generated" and i.serves:
                purpose += " Serves: " + "; ".join(i.serves) + "."
            out.append(f"| {i.table} | {_md(i.name or '(' + i.origin + ')')} | {_md(', '.join(i.columns))} "
                       f"| {'yes' if i.unique else ''} | {_md(i.where or '')} | {i.method} | {_md(purpose)} |")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """Two HTML tables (for the report; the notebooks show the frames themselves)."""
        return ("<h3>Constraints</h3>" + self.to_frame().to_html(index=False, escape=True)
                + "<h3>Indexes</h3>" + self.indexes_frame().to_html(index=False, escape=True))


# ------------------------------------------------------------------------------------------
def build_catalog(schema: Schema, config: Config | None = None) -> Catalog:
    """Every constraint and index of `schema`, each with a description of what it protects.
    `config` names the audit / soft-delete / timestamp columns (defaults: the seed's)."""
    conv = conventions(config)
    constraints: list[ConstraintEntry] = []
    indexes: list[IndexEntry] = []
    for table in schema.tables.values():
        constraints += _table_constraints(schema, table, conv)
        indexes += _table_indexes(schema, table)
    return Catalog(constraints, indexes)


def _table_constraints(schema: Schema, t: Table, conv: Conventions = DEFAULT) -> list[ConstraintEntry]:
    tn = t.qualname
    out: list[ConstraintEntry] = []
    pk_cols = set(t.primary_key.columns) if t.primary_key else set()

    if t.primary_key:
        pk = t.primary_key
        out.append(ConstraintEntry(
            tn, "PRIMARY KEY", list(pk.columns), pk.name, f"PRIMARY KEY ({', '.join(pk.columns)})",
            *_own(pk, _pk_sentence(schema, t)), file=pk.source.file, line=pk.source.line))

    for fk in t.foreign_keys:
        ref = f"{fk.ref_table}({', '.join(fk.ref_columns)})"
        definition = f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {ref}"
        if fk.on_delete:
            definition += f" ON DELETE {fk.on_delete}"
        if fk.on_update:
            definition += f" ON UPDATE {fk.on_update}"
        out.append(ConstraintEntry(
            tn, "FOREIGN KEY", list(fk.columns), fk.name, definition,
            *_own(fk, _fk_sentence(schema, t, fk, conv)), on_delete=fk.on_delete, on_update=fk.on_update,
            references=ref, column_comment=_col_comment(t, fk.columns),
            file=fk.source.file, line=fk.source.line))

    for uq in t.uniques:
        out.append(ConstraintEntry(
            tn, "UNIQUE", list(uq.columns), uq.name, f"UNIQUE ({', '.join(uq.columns)})",
            *_own(uq, _unique_sentence(t, uq.columns, None, None, conv)),
            column_comment=_col_comment(t, uq.columns), file=uq.source.file, line=uq.source.line))
    for ix in t.indexes:
        if not ix.unique:
            continue
        labels = [c.label for c in ix.columns]
        definition = f"UNIQUE INDEX {ix.name} ON {tn} ({', '.join(labels)})"
        if ix.where:
            definition += f" WHERE {ix.where}"
        note = None if ix.comment else _sql_comment_above(ix.source)
        desc = ((ix.comment, "comment") if ix.comment else (note, "sql-comment") if note
                else (_unique_sentence(t, labels, ix.where, ix, conv), "generated"))
        cols = [c.column or c.label for c in ix.columns]
        out.append(ConstraintEntry(
            tn, "UNIQUE", cols, ix.name, definition, *desc, enforced_by="unique index",
            where=ix.where, column_comment=_col_comment(t, [c.column for c in ix.columns if c.column]
                                                        or _expr_columns(ix)),
            file=ix.source.file, line=ix.source.line))

    for ck in t.checks:
        out.append(ConstraintEntry(
            tn, "CHECK", list(ck.columns), ck.name, f"CHECK ({ck.expression})",
            *_own(ck, _check_sentence(tn, ck)), column_comment=_col_comment(t, ck.columns),
            file=ck.source.file, line=ck.source.line))
    for col in t.columns.values():
        enum = schema.enums.get(col.type) or schema.enums.get(col.type.lower())
        if enum:
            vals = ", ".join(f"'{v}'" for v in enum.values)
            out.append(ConstraintEntry(
                tn, "CHECK", [col.name], enum.name, f"{col.name} {enum.name} (ENUM {vals})",
                f"{tn}.{col.name} must be one of {vals} (enum type {enum.name}; adding a value "
                "needs ALTER TYPE, removing one a new type).", "generated", enforced_by="enum type",
                column_comment=col.comment, file=col.source.file, line=col.source.line))

    for col in t.columns.values():
        if col.nullable or col.name in pk_cols:
            continue  # PK columns are NOT NULL as part of the key (said in the PK entry)
        out.append(ConstraintEntry(
            tn, "NOT NULL", [col.name], None, f"{col.name} {col.type} NOT NULL",
            _not_null_sentence(t, col), "generated", enforced_by="column",
            column_comment=col.comment, file=col.source.file, line=col.source.line))
    for col in t.columns.values():
        sentence = _default_sentence(tn, col, conv)
        if sentence is None:
            continue
        definition = (f"GENERATED {col.identity.upper()} AS IDENTITY" if col.identity else
                      f"GENERATED ALWAYS AS ({col.generated}) STORED" if col.generated else
                      f"DEFAULT {col.default}")
        out.append(ConstraintEntry(
            tn, "DEFAULT", [col.name], None, definition, sentence, "generated", enforced_by="column",
            column_comment=col.comment, file=col.source.file, line=col.source.line))
    return out


def _table_indexes(schema: Schema, t: Table) -> list[IndexEntry]:
    tn = t.qualname
    out: list[IndexEntry] = []
    if t.primary_key:
        pk = t.primary_key
        serves = [f"lookups and joins by {_cols(pk.columns)}; enforces the primary key"]
        if len(pk.columns) > 1:
            serves.append(f"also serves lookups by its leading column {pk.columns[0]}")
        serves += _fk_facts(t, pk.columns)
        out.append(IndexEntry(tn, pk.name, list(pk.columns), True, None, "btree", [], "PRIMARY KEY",
                              "; ".join(serves), "generated", serves, pk.source.file, pk.source.line))
    for uq in t.uniques:
        serves = [f"enforces UNIQUE {_cols(uq.columns)} and serves lookups by it"] + _fk_facts(t, uq.columns)
        out.append(IndexEntry(tn, uq.name, list(uq.columns), True, None, "btree", [], "UNIQUE constraint",
                              "; ".join(serves), "generated", serves, uq.source.file, uq.source.line))
    for ix in t.indexes:
        serves = _index_facts(t, ix)
        if ix.comment:
            purpose, src = ix.comment, "comment"
        else:
            note = _sql_comment_above(ix.source)
            purpose, src = (note, "sql-comment") if note else ("; ".join(serves), "generated")
        out.append(IndexEntry(
            tn, ix.name, [c.label + (" DESC" if c.desc else "") for c in ix.columns], ix.unique,
            ix.where, (ix.method or "btree").lower(), list(ix.include), "CREATE INDEX", purpose, src,
            serves, ix.source.file, ix.source.line))
    return out


# -- sentences ------------------------------------------------------------------------------
def _own(obj: Any, generated: str) -> tuple[str, str]:
    """(description, source): the object's COMMENT when the model carries one, else generated.
    Constraint comments are read with getattr so a parser that learns COMMENT ON CONSTRAINT
    (a `comment` field) is picked up without a change here."""
    text = getattr(obj, "comment", None)
    return (text, "comment") if text else (generated, "generated")


def _pk_sentence(schema: Schema, t: Table) -> str:
    cols = t.primary_key.columns
    tn = t.qualname
    if len(cols) == 1:
        col = t.column(cols[0])
        how = ""
        if col is not None:
            if col.identity:
                how = f"; numbered by the database (identity, {col.type})"
            elif col.default and "uuid" in col.default.lower():
                how = "; a random UUID generated by the database, so ids never reveal row counts"
            elif "serial" in col.type.lower():
                how = "; numbered by a sequence (serial)"
        noun = singular_table(t.name)
        noun = f"{noun} row" if noun == t.name else noun
        return f"{tn}.{cols[0]} identifies each {noun}: unique and never NULL{how}."
    fk_parts = [f"{fk.ref_table}" for fk in t.foreign_keys if set(fk.columns) <= set(cols)]
    extra = (f"; a {singular_table(fk_parts[0])} is linked to a given {singular_table(fk_parts[1])} at most once"
             if len(fk_parts) == 2 else "")
    return f"{tn} rows are identified by {_cols(cols)}: the pair is unique and never NULL{extra}."


def _fk_sentence(schema: Schema, t: Table, fk: ForeignKey, conv: Conventions = DEFAULT) -> str:
    tn = t.qualname
    child_cols = ", ".join(f"{tn}.{c}" for c in fk.columns)
    parent_cols = ", ".join(f"{fk.ref_table}.{c}" for c in fk.ref_columns)
    parent = singular_table(fk.ref_table.split(".")[-1])
    self_ref = fk.ref_table == tn
    # "its posts" / for a self-reference "the comments rows that point at it"
    its = f"the {tn} rows that point at it" if self_ref else f"its {tn}"
    has = f"that other {tn} rows point at" if self_ref else f"that still has {tn}"
    nullable = any(t.column(c) is not None and t.column(c).nullable for c in fk.columns)
    col_text = ", ".join(fk.columns)
    s = f"{child_cols} must reference an existing {parent_cols}"
    if nullable:
        s += " or be NULL"
    action = fk.on_delete
    if action is None or action == "NO ACTION":
        why = ("ON DELETE not specified: NO ACTION, the engine's default" if action is None
               else "NO ACTION: checked at the end of the statement")
        s += f"; deleting a {parent} {has} is refused ({why})"
    elif action == "RESTRICT":
        s += f"; deleting a {parent} {has} is refused (RESTRICT)"
    elif action == "CASCADE":
        s += f"; deleting a {parent} also deletes {its} (CASCADE)"
    elif action == "SET NULL":
        s += f"; deleting a {parent} keeps {its} and sets {col_text} to NULL (SET NULL)"
    elif action == "SET DEFAULT":
        s += f"; deleting a {parent} sets {col_text} back to its default (SET DEFAULT)"
    if fk.on_update:
        s += f"; changing {parent_cols} {_update_text(fk.on_update, col_text)}"
    else:
        s += f"; changing {parent_cols} while referenced is refused (ON UPDATE not specified)"
    if set(fk.columns) & conv.audit_fk_columns:
        s += ". Audit column: records which user made the change"
    return s + "."


def _update_text(action: str, cols: str) -> str:
    return {"CASCADE": f"updates {cols} to match (CASCADE)",
            "SET NULL": f"sets {cols} to NULL (SET NULL)",
            "SET DEFAULT": f"sets {cols} to its default (SET DEFAULT)"}.get(
        action, f"while referenced is refused ({action})")


def _unique_sentence(t: Table, labels: list[str], where: str | None, ix: Index | None,
                     conv: Conventions = DEFAULT) -> str:
    what = labels[0] if len(labels) == 1 else f"({', '.join(labels)})"
    s = f"no two {t.qualname} rows share the same {what}"
    exprs = [c.expression for c in ix.columns if c.expression] if ix else []
    if any("lower(" in e.lower() for e in exprs):
        s += " compared case-insensitively (an index on lower(...))"
    if where:
        s += f", counting only rows where {where}"
        if conv.mentions_soft_delete(where):
            s += " - a soft-deleted row frees its value for reuse"
    return s + "."


def _check_sentence(tn: str, ck: CheckConstraint) -> str:
    try:
        node = sqlglot.parse_one(ck.expression, read="postgres")
    except Exception:  # an expression sqlglot cannot read back: quote it instead
        return f"every {tn} row must satisfy {ck.expression}."
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and node.expressions:
        vals = ", ".join(e.sql("postgres") for e in node.expressions)
        return (f"{tn}.{node.this.name} must be one of {vals}: a typo or an unknown state is "
                "rejected by the database, whatever the application sends.")
    if isinstance(node, exp.Between):
        return (f"{node.this.sql('postgres').lower()} in {tn} must lie between "
                f"{node.args['low'].sql('postgres')} and {node.args['high'].sql('postgres')}.")
    ops = {exp.GTE: ">=", exp.GT: ">", exp.LTE: "<=", exp.LT: "<", exp.NEQ: "<>"}
    for cls, op in ops.items():
        if isinstance(node, cls):
            return f"{tn}.{node.this.sql('postgres')} must be {op} {node.expression.sql('postgres')}."
    return f"every {tn} row must satisfy {ck.expression}."


def _not_null_sentence(t: Table, col: Column) -> str:
    s = f"{t.qualname}.{col.name} is required: a row without it is rejected"
    for fk in t.foreign_keys:
        if col.name in fk.columns:
            s += (f"; every {singular_table(t.name)} belongs to a "
                  f"{singular_table(fk.ref_table.split('.')[-1])}")
            break
    return s + "."


def _default_sentence(tn: str, col: Column, conv: Conventions = DEFAULT) -> str | None:
    name = f"{tn}.{col.name}"
    if col.identity:
        extra = ("inserts may not supply it" if col.identity.lower() == "always"
                 else "an insert may still supply its own value")
        return f"{name} is numbered by the database (identity, {col.identity.upper()}): {extra}."
    if col.generated:
        return f"{name} is computed from {col.generated} on every write; it cannot be set directly."
    if col.default is None:
        return None
    d = col.default
    low = d.lower()
    if "uuid" in low:
        return f"{name} defaults to a random UUID generated by the database ({d})."
    if low in ("current_timestamp", "now()", "current_timestamp()", "localtimestamp",
               "transaction_timestamp()", "current_date"):
        s = f"{name} defaults to the time of the INSERT ({d})"
        if col.name in conv.timestamp_columns and not col.name.startswith("created"):
            s += ("; a default does not move on UPDATE - keeping it current needs a trigger "
                  "or an application hook")
        return s + "."
    if low.startswith("nextval("):
        return f"{name} is numbered by a sequence ({d})."
    return f"{name} defaults to {d} when an INSERT omits it."


# -- index rationale ------------------------------------------------------------------------
def _fk_facts(t: Table, key: list[str | None]) -> list[str]:
    """FKs whose columns are the leading columns of `key`: the index serves their joins and the
    referential check when the parent row is deleted or its key changes."""
    facts = []
    for fk in t.foreign_keys:
        n = len(fk.columns)
        if [c for c in key[:n]] == list(fk.columns):
            facts.append(f"the foreign key {_cols(fk.columns)} -> {fk.ref_table}: joins from "
                         f"{fk.ref_table.split('.')[-1]} and the check when a "
                         f"{singular_table(fk.ref_table.split('.')[-1])} is deleted")
    return facts


def _index_facts(t: Table, ix: Index) -> list[str]:
    keys = ix.column_names
    facts: list[str] = []
    if ix.unique:
        facts.append(f"enforces uniqueness of {', '.join(c.label for c in ix.columns)}")
    facts += _fk_facts(t, keys)
    plain = [c for c in ix.columns if c.column]
    if any(c.expression for c in ix.columns):
        exprs = ", ".join(c.expression.lower() for c in ix.columns if c.expression)
        facts.append(f"queries filtering on {exprs} (the query must use the same expression)")
    if len(ix.columns) >= 2 and all(c.column for c in ix.columns):
        lead = " AND ".join(f"{c.column} = ?" for c in ix.columns[:-1])
        last = ix.columns[-1]
        if last.desc or _is_sort_column(t, last.column):
            order = f"{last.column} DESC" if last.desc else last.column
            facts.append(f"filtered sorting: WHERE {lead} ORDER BY {order}")
        else:
            facts.append(f"lookups WHERE {lead} AND {last.column} = ? (and by the leading "
                         f"column{'s' if len(ix.columns) > 2 else ''} alone)")
    elif len(plain) == 1 and len(ix.columns) == 1 and not ix.unique and not facts:
        c = plain[0]
        facts.append(f"WHERE {c.column} = ? / range filters and ORDER BY {c.column}"
                     + (" DESC" if c.desc else ""))
    if ix.where:
        facts.append(f"partial: only rows WHERE {ix.where} are indexed; a query must repeat "
                     "that predicate to use it")
    if ix.include:
        facts.append(f"covering: INCLUDE ({', '.join(ix.include)}) answers from the index alone")
    return facts or ["declared without a stated purpose"]


_SQL_COMMENT = re.compile(r"^\s*--\s?(.*)$")


def _sql_comment_above(ref: SourceRef) -> str | None:
    """The `--` comment block written directly above a statement in its migration file: the
    author's rationale for an index ("Filtered sorting: ..."). None when there is none or the
    file cannot be read (an introspected schema has no file)."""
    if not ref.file or not ref.line or not os.path.isfile(ref.file):
        return None
    try:
        with open(ref.file, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    block: list[str] = []
    i = ref.line - 2
    while i >= 0:
        m = _SQL_COMMENT.match(lines[i])
        if not m:
            break
        block.insert(0, m.group(1).strip())
        i -= 1
    text = " ".join(b for b in block if b)
    return text or None


# -- small helpers --------------------------------------------------------------------------
def _col_comment(t: Table, cols: list[str]) -> str | None:
    if len(cols) != 1:
        return None
    col = t.column(cols[0])
    return col.comment if col is not None else None


def _expr_columns(ix: Index) -> list[str]:
    return [n for c in ix.columns if c.expression for n in expression_columns(c.expression)]


def _is_sort_column(t: Table, name: str) -> bool:
    """Timestamps, dates and counters are what lists are ordered by."""
    col = t.column(name)
    typ = col.type.upper() if col else ""
    return name.endswith(("_at", "_on", "_date")) or typ.startswith(("TIMESTAMP", "DATE"))


def _cols(cols: list[str | None]) -> str:
    cols = [c or "?" for c in cols]
    return cols[0] if len(cols) == 1 else f"({', '.join(cols)})"


def _loc(file: str | None, line: int | None) -> str:
    return str(SourceRef(file, line)) if file else ""


def _md(text: str) -> str:
    from dbdesign.review.datatable import md_cell
    return md_cell(text)


# -- schema overview (the seed's "Schema documented" item) ---------------------------------
def tables_frame(schema: Schema, config: Config | None = None) -> "pd.DataFrame":
    """One row per table: columns, key, relations, indexes and its COMMENT - the overview a
    reviewer reads first. Audit references (created_by -> users) are not listed as relations."""
    import pandas as pd
    conv = conventions(config)
    rows = []
    for t in schema.tables.values():
        rows.append({
            "table": t.qualname,
            "columns": len(t.columns),
            "primary key": ", ".join(t.primary_key.columns) if t.primary_key else "(none)",
            "references": ", ".join(sorted({fk.ref_table for fk in t.foreign_keys
                                            if not set(fk.columns) & conv.audit_fk_columns})) or "",
            "indexes": len(t.indexes),
            "soft delete": conv.soft_delete_column in t.columns,
            "comment": t.comment or "",
        })
    return pd.DataFrame(rows, columns=["table", "columns", "primary key", "references", "indexes",
                                       "soft delete", "comment"])


def columns_frame(schema: Schema, table: str) -> "pd.DataFrame":
    """The columns of one table with type, nullability, default and key markers."""
    import pandas as pd
    t = schema.table(table)
    if t is None:
        from dbdesign.errors import InputError
        raise InputError(f"no table {table!r}; tables: {', '.join(schema.tables)}")
    pk = set(t.primary_key.columns) if t.primary_key else set()
    fks = {c: fk.ref_table for fk in t.foreign_keys for c in fk.columns}
    rows = [{"column": c.name, "type": c.type, "null": "NULL" if c.nullable else "NOT NULL",
             "default": (f"identity ({c.identity})" if c.identity else c.default or ""),
             "key": " ".join(k for k, on in (("PK", c.name in pk), (f"FK->{fks.get(c.name)}", c.name in fks)) if on),
             "comment": c.comment or ""} for c in t.columns.values()]
    return pd.DataFrame(rows, columns=["column", "type", "null", "default", "key", "comment"])


def primary_keys_frame(schema: Schema) -> "pd.DataFrame":
    """How each table's key is made: the seed's "UUID or auto-increment chosen consistently"."""
    import pandas as pd
    rows = []
    for t in schema.tables.values():
        if t.primary_key is None:
            rows.append({"table": t.qualname, "key": "(none)", "type": "", "generated by": ""})
            continue
        cols = [t.column(c) for c in t.primary_key.columns]
        types = ", ".join(c.type if c else "?" for c in cols)
        if len(cols) > 1:
            how = "composite of foreign keys" if all(
                any(c.name in fk.columns for fk in t.foreign_keys) for c in cols if c) else "composite"
        else:
            c = cols[0]
            how = (f"identity ({c.identity})" if c and c.identity else
                   "gen_random_uuid()" if c and c.default and "uuid" in c.default.lower() else
                   f"DEFAULT {c.default}" if c and c.default else "supplied by the application")
        rows.append({"table": t.qualname, "key": ", ".join(t.primary_key.columns), "type": types,
                     "generated by": how})
    return pd.DataFrame(rows, columns=["table", "key", "type", "generated by"])
