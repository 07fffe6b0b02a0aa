"""The same relational model as a document (MongoDB-style) and a key-value (DynamoDB-style)
design: the seed's "relational vs document vs key-value" comparison, derived from the model's
relations instead of drawn by hand.

Rules (each decision carries its reason, so the notebook can show the trade-off):
- a 1:1 child (FK columns unique) is embedded as an object - read together, never shared;
- a 1:N child with a single owner is embedded as a *summary* array (the seed's `posts: [{id,
  title, created_at}]`), the full rows staying in their own collection - arrays that grow
  without bound hit the 16 MB document limit and rewrite the whole document on every append;
- a child with two owners (comments belong to a post *and* a user) is referenced: embedding it
  under one parent duplicates it for the other;
- audit references (`created_by`, `updated_by`) are not ownership and are kept as plain ids;
- a many-to-many join table under an embedded child becomes an array of the other side's label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbdesign.model import ForeignKey, Schema, Table
from dbdesign.schema.naming import DEFAULT, Conventions, conventions, singular_table

if TYPE_CHECKING:
    import pandas as pd

    from dbdesign.config import Config

LABEL_COLUMNS = ("slug", "name", "title", "username", "email")
SUMMARY_COLUMNS = ("id", "title", "name", "slug", "status", "created_at")


@dataclass
class Embedding:
    field: str  # name in the parent document: "profile", "posts", "posts[].tags"
    table: str
    relation: str  # "1:1", "1:N", "M:N"
    decision: str  # "embed", "embed summary", "reference", "label array"
    fields: list[str]
    reason: str
    # how rows are matched: child column -> parent column ("user_id" -> "id"); for a label
    # array, the join table's column to the embedded child and to the labelled table
    link_column: str = ""
    other_column: str = ""
    other_table: str = ""


@dataclass
class DocumentDesign:
    root: str
    fields: list[str]
    embeddings: list[Embedding] = field(default_factory=list)

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd
        return pd.DataFrame([{"field": e.field, "table": e.table, "relation": e.relation,
                              "decision": e.decision, "fields": ", ".join(e.fields),
                              "reason": e.reason} for e in self.embeddings])

    def build(self, rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """One document per root row, from plain rows per table (e.g. query results)."""
        docs = []
        for root_row in rows.get(self.root, []):
            doc: dict[str, Any] = {"_id": root_row.get("id")}
            doc.update({f: root_row.get(f) for f in self.fields if f != "id"})
            for e in self.embeddings:
                if "[]." in e.field:
                    continue  # nested: filled with its parent array below
                children = [r for r in rows.get(e.table, []) if r.get(e.link_column) == root_row.get("id")]
                if e.decision == "embed":
                    doc[e.field] = ({f: children[0].get(f) for f in e.fields} if children else None)
                elif e.decision == "embed summary":
                    items = []
                    for child in children:
                        item = {f: child.get(f) for f in e.fields}
                        for nested in self.embeddings:
                            if nested.field.startswith(e.field + "[]."):
                                item[nested.field.split("[].", 1)[1]] = _labels(nested, child, rows)
                        items.append(item)
                    doc[e.field] = items
            docs.append(doc)
        return docs


@dataclass
class KeyItem:
    entity: str  # table the item comes from, or "unique guard"
    pk: str  # partition-key template, e.g. "USER#{id}"
    sk: str  # sort-key template, e.g. "POST#{created_at}#{id}"
    attributes: list[str]
    access_pattern: str  # the query this layout answers


@dataclass
class KeyValueDesign:
    root: str
    items: list[KeyItem]

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd
        return pd.DataFrame([{"entity": i.entity, "PK": i.pk, "SK": i.sk,
                              "attributes": ", ".join(i.attributes),
                              "access pattern": i.access_pattern} for i in self.items])

    def build(self, rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The items a single-table design stores for these rows, sorted like a Query sees them."""
        out = []
        for item in self.items:
            for row in rows.get(item.entity if item.entity in rows else self.root, []):
                out.append({"PK": _fill(item.pk, row), "SK": _fill(item.sk, row),
                            **{a: row.get(a) for a in item.attributes}})
        return sorted(out, key=lambda d: (str(d["PK"]), str(d["SK"])))


# ------------------------------------------------------------------------------------------
def document_design(schema: Schema, root: str | None = None,
                    config: "Config | None" = None) -> DocumentDesign:
    """How `root`'s rows (default: the configured users table) and their children become one
    document each (default: the configured users table, else the most connected one). Audit
    references (created_by -> users) are not ownership."""
    conv = conventions(config)
    root = root or _default_root(schema, conv)
    table = _need(schema, root)
    design = DocumentDesign(root, [c for c in table.columns])
    for child, fk in _owning_children(schema, table, conv):
        owners = _owner_fks(child, conv)
        unique = any(sorted(s) == sorted(fk.columns) for s in child.unique_column_sets())
        name = singular_table(child.name) if unique else child.name
        if len(owners) > 1:
            others = ", ".join(o.ref_table for o in owners if o is not fk)
            design.embeddings.append(Embedding(
                name, child.qualname, "1:1" if unique else "1:N", "reference", ["id"],
                f"{child.name} also belongs to {others}: embedding it under {root} would duplicate "
                "it there; keep its own collection and query it by key", fk.columns[0]))
            continue
        if unique:
            fields = [c for c in child.columns if c not in fk.columns and c not in conv.audit_fk_columns
                      and c != "id"]
            design.embeddings.append(Embedding(
                name, child.qualname, "1:1", "embed", fields,
                f"one {name} per {singular_table(root)}, always read with it: embedding saves a join "
                "and nothing else points at it", fk.columns[0]))
            continue
        summary = [c for c in SUMMARY_COLUMNS if c in child.columns]
        design.embeddings.append(Embedding(
            name, child.qualname, "1:N", "embed summary", summary,
            f"a {singular_table(root)} page lists its {name}; only a summary is embedded because the "
            "list grows without bound (16 MB document limit, whole-document rewrites) - full "
            f"{name} stay in their own collection", fk.columns[0]))
        for join, other_fk, here_fk in _join_tables(schema, child):
            other = _need(schema, other_fk.ref_table)
            label = next((c for c in LABEL_COLUMNS if c in other.columns), "id")
            design.embeddings.append(Embedding(
                f"{name}[].{other.name}", join.qualname, "M:N", "label array", [label],
                f"{join.name} is a many-to-many join: copy the {other.name}' {label} into each "
                f"{singular_table(name)} (denormalised: renaming a {singular_table(other.name)} must "
                "update every copy)", here_fk.columns[0], other_fk.columns[0], other.qualname))
    return design


def key_value_design(schema: Schema, root: str | None = None,
                     config: "Config | None" = None) -> KeyValueDesign:
    """A DynamoDB-style single-table layout: `root` (default: the configured users table) as
    partition, children as sort-key ranges, and one guard item per unique column (the key is
    the only uniqueness DynamoDB enforces)."""
    conv = conventions(config)
    root = root or _default_root(schema, conv)
    table = _need(schema, root)
    ent = singular_table(root).upper()
    items = [KeyItem(root, f"{ent}#{{id}}", "META", [c for c in table.columns if c != "id"],
                     f"get a {singular_table(root)} by id")]
    for child, fk in _owning_children(schema, table, conv):
        if len(_owner_fks(child, conv)) > 1:
            continue
        cent = singular_table(child.name).upper()
        unique = any(sorted(s) == sorted(fk.columns) for s in child.unique_column_sets())
        attrs = [c for c in child.columns if c not in fk.columns and c != "id"]
        if unique:
            items.append(KeyItem(child.qualname, f"{ent}#{{{fk.columns[0]}}}", cent, attrs,
                                 f"the {singular_table(child.name)} comes back in the same Query as "
                                 f"its {singular_table(root)}"))
        else:
            created = conv.timestamp_columns[0] if conv.timestamp_columns else "created_at"
            order = created if created in child.columns else "id"
            items.append(KeyItem(child.qualname, f"{ent}#{{{fk.columns[0]}}}",
                                 f"{cent}#{{{order}}}#{{id}}", attrs,
                                 f"{child.name} of a {singular_table(root)} by {order}: Query PK, SK "
                                 f"begins_with {cent}#, ScanIndexForward=false for newest first"))
    for cols in _unique_columns(table):
        col = cols[0]
        items.append(KeyItem("unique guard", f"{ent}_{col.upper()}#{{{col}}}", "UNIQUE", ["id"],
                             f"keep {root}.{col} unique: write this item in the same transaction "
                             "with attribute_not_exists(PK)"))
    return KeyValueDesign(root, items)


# -- helpers --------------------------------------------------------------------------------
def _default_root(schema: Schema, conv: Conventions) -> str:
    """The configured users table when the schema has it, else its most connected table."""
    if schema.table(conv.users_table) is not None:
        return conv.users_table
    hub = schema.most_connected()
    return hub.qualname if hub is not None else conv.users_table


def _need(schema: Schema, name: str) -> Table:
    table = schema.table(name)
    if table is None:
        from dbdesign.errors import InputError
        raise InputError(f"no table {name!r} in the schema; pick one of {', '.join(schema.tables)}")
    return table


def _owner_fks(t: Table, conv: Conventions = DEFAULT) -> list[ForeignKey]:
    return [fk for fk in t.foreign_keys if not set(fk.columns) & conv.audit_fk_columns
            and fk.ref_table != t.qualname]


def _owning_children(schema: Schema, parent: Table, conv: Conventions = DEFAULT
                     ) -> list[tuple[Table, ForeignKey]]:
    out = []
    for child, fk in schema.referencing(parent.qualname):
        if child is parent or set(fk.columns) & conv.audit_fk_columns:
            continue
        out.append((child, fk))
    return out


def _join_tables(schema: Schema, t: Table) -> list[tuple[Table, ForeignKey, ForeignKey]]:
    """Join tables whose primary key is exactly (fk to t, fk to another table)."""
    out = []
    for join, fk in schema.referencing(t.qualname):
        owners = _owner_fks(join)
        if join.primary_key is None or len(owners) != 2:
            continue
        if sorted(join.primary_key.columns) == sorted(owners[0].columns + owners[1].columns):
            other = owners[1] if owners[0] is fk else owners[0]
            out.append((join, other, fk))
    return out


def _unique_columns(t: Table) -> list[list[str]]:
    sets = [u.columns for u in t.uniques if len(u.columns) == 1]
    for ix in t.indexes:
        if ix.unique and len(ix.columns) == 1:
            c = ix.columns[0]
            col = c.column
            if col is None and c.expression:  # lower(email): the guard stores the lowered value
                inner = [name for name in t.columns if name in c.expression.lower()]
                col = inner[0] if inner else None
            if col:
                sets.append([col])
    seen, out = set(), []
    for s in sets:
        if s[0] not in seen:
            seen.add(s[0])
            out.append(list(s))
    return out


def _labels(e: Embedding, child: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> list[Any]:
    """Labels of the rows a join table links to `child` (tag slugs of a post)."""
    label = e.fields[0]
    by_id = {r.get("id"): r.get(label) for r in rows.get(e.other_table, [])}
    return [by_id.get(r.get(e.other_column)) for r in rows.get(e.table, [])
            if r.get(e.link_column) == child.get("id")]


def _fill(template: str, row: dict[str, Any]) -> str:
    return template.format_map(_Missing(row))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


# -- the three designs side by side, per access pattern ----------------------------------------
def compare(schema: Schema, patterns: list, rows: dict[str, list[dict[str, Any]]], sqlite_engine) -> list[dict[str, Any]]:
    """Per access pattern, for its most common key: the relational query on SQLite (round
    trips, rows, the plan's access path - measured), the MongoDB design (documents read,
    computed over the documents built from the same rows: no MongoDB server here) and the
    DynamoDB design on dynalite (requests, items, items scanned, capacity units - measured)."""
    from dbdesign.engines import dynalite
    from dbdesign.generate import dynamodb, mongodb
    kv = dynamodb.design(schema, patterns)
    runs = {r.pattern: r for r in dynalite.verify(schema, kv, rows, sqlite_engine, samples=1)}
    doc = mongodb.design(schema, patterns)
    docs = doc.documents(schema, rows)
    decisions = {d.pattern.name: d for d in doc.decisions}
    out = []
    for p in patterns:
        table = schema.table(p.entity)
        run = runs[p.name]
        sql, _ = p.sql(table)
        params = {**run.key}
        cur = sqlite_engine.conn.cursor()
        plan = " / ".join(r[3] for r in cur.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        sql_rows = len(cur.execute(sql, params).fetchall())
        d = decisions[p.name]
        if d.how in ("embedded object", "embedded id array"):
            owner_key = run.key[p.key[0]]
            owner = next((x for x in docs[d.collection] if x["_id"] == owner_key), None)
            doc_reads, doc_items = 1, (0 if owner is None else
                                       (1 if d.how == "embedded object" else len(owner.get(_embed_field(doc, d)) or [])))
        else:
            match = [x for x in docs[d.collection]
                     if all(str(x.get(k) if k != table.primary_key.columns[0] else x["_id"]) == str(v)
                            for k, v in {**{k: run.key[k] for k in p.key}, **p.filter}.items())]
            doc_reads = doc_items = min(len(match), p.limit or (len(match) if p.many else 1))
        out.append({"pattern": p.name, "relational round trips": 1, "relational rows": sql_rows,
                    "relational access": plan,
                    "document round trips": 1, "document how": d.how, "documents read": doc_reads,
                    "document items": doc_items,
                    "key-value round trips": run.requests, "key-value operation": f"{run.operation} ({run.index})",
                    "key-value items": run.items, "key-value scanned": run.scanned,
                    "key-value capacity units": run.capacity, "same rows": run.same_as_sql})
    return out


def _embed_field(doc, decision) -> str:
    for e in doc.embeds:
        if e.owner == decision.collection and e.child == decision.pattern.entity:
            return e.field
    return ""
