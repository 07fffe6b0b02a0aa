"""A MongoDB design driven by access patterns: collections, embedding decided per pattern
(with the reason), indexes by the equality-sort-range rule, a `$jsonSchema` validator per
collection, document-size estimates against the 16 MB limit, and a mongosh script.

No MongoDB server installs from the package registries here, so nothing in this module runs
on MongoDB. What is proven: the validators are checked with a JSON Schema implementation
(`jsonschema`, draft 4 - the draft `$jsonSchema` follows) over documents built from generated
data, after mapping `bsonType` to JSON Schema types (`date` -> an RFC 3339 string, which is
how the built documents carry dates). What is not proven: MongoDB's own validator, the index
choices of its planner, and the sizes as BSON (estimated from JSON text).

Embedding rules (MongoDB's "data that is accessed together is stored together"):
- a 1:1 child read by its owner's key is embedded as an object in the owner's document;
- a many-to-many join read from one side becomes an array of the other side's ids there;
- a 1:N child stays in its own collection, referenced: the list grows without bound (16 MB
  limit, whole-document rewrites), and one with two owners (comments of a post and of a user)
  would be duplicated under one of them.
"""
from __future__ import annotations

import base64
import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from dbdesign.generate.access_patterns import Pattern
from dbdesign.model import Schema, Table
from dbdesign.schema.naming import conventions
from dbdesign.lab.probe import check_in_values, max_length, type_family

DOC_LIMIT = 16 * 1024 * 1024
BSON = {"uuid": "string", "text": "string", "int": "long", "numeric": "double", "bool": "bool",
        "timestamp": "date", "date": "date", "json": "object", "other": "string"}
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@dataclass
class Decision:
    pattern: Pattern
    collection: str
    how: str  # "_id lookup" | "embedded object" | "embedded id array" | "indexed find"
    query: dict[str, Any]
    index: list[tuple[str, int]] | None
    reason: str


@dataclass
class Embed:
    owner: str  # collection (table) holding it
    field: str
    child: str  # table
    kind: str  # "object" | "id array"
    link: str  # child column pointing at the owner
    value: str = ""  # for an id array: the child column copied


@dataclass
class DocumentDesign:
    collections: list[str]
    decisions: list[Decision]
    embeds: list[Embed] = field(default_factory=list)

    def indexes(self) -> dict[str, list[list[tuple[str, int]]]]:
        out: dict[str, list[list[tuple[str, int]]]] = {}
        for d in self.decisions:
            if d.index and d.index not in out.setdefault(d.collection, []):
                out[d.collection].append(d.index)
        return out

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame([{"pattern": d.pattern.name, "collection": d.collection, "how": d.how,
                              "index (ESR)": ", ".join(f"{k}: {v}" for k, v in d.index) if d.index else "",
                              "why": d.reason} for d in self.decisions])

    # -- validators ----------------------------------------------------------------------
    def validator(self, schema: Schema, collection: str) -> dict[str, Any]:
        """The `$jsonSchema` for a collection: its table's columns (NOT NULL ones required,
        VARCHAR(n) -> maxLength, CHECK IN / enum -> enum) plus what is embedded in it."""
        t = schema.table(collection)
        pk = t.primary_key.columns if t.primary_key else []
        if len(pk) == 1:
            props = {"_id": _bson(schema, t, pk[0], nullable=False)}
        else:  # a composite key is an _id sub-document
            props = {"_id": {"bsonType": "object", "required": list(pk),
                             "properties": {c: _bson(schema, t, c, nullable=False) for c in pk}}}
        required = ["_id"]
        for col in t.columns.values():
            if t.primary_key and col.name in t.primary_key.columns and len(t.primary_key.columns) == 1:
                continue
            props[col.name] = _bson(schema, t, col.name, nullable=col.nullable)
            if not col.nullable:
                required.append(col.name)
        for e in self.embeds:
            if e.owner != t.qualname:
                continue
            child = schema.table(e.child)
            if e.kind == "object":
                inner = {c: _bson(schema, child, c, nullable=child.columns[c].nullable)
                         for c in child.columns if c != e.link}
                props[e.field] = {"bsonType": ["object", "null"], "properties": inner,
                                  "required": [c for c in inner if not child.columns[c].nullable]}
            else:
                props[e.field] = {"bsonType": "array", "items": _bson(schema, child, e.value, nullable=False)}
        return {"$jsonSchema": {"bsonType": "object", "required": required, "properties": props,
                                "additionalProperties": False}}

    # -- documents -----------------------------------------------------------------------
    def documents(self, schema: Schema, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        """The documents each collection holds for these rows (dates as RFC 3339 strings)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for coll in self.collections:
            t = schema.table(coll)
            pk = t.primary_key.columns if t.primary_key else []
            docs = []
            for row in rows.get(t.qualname, []):
                doc = {"_id": row[pk[0]] if len(pk) == 1 else {c: row[c] for c in pk}}
                doc.update({c: _value(t, c, v) for c, v in row.items() if not (len(pk) == 1 and c == pk[0])})
                for e in self.embeds:
                    if e.owner != t.qualname:
                        continue
                    child = schema.table(e.child)
                    mine = [r for r in rows.get(child.qualname, []) if r.get(e.link) == row.get(pk[0])]
                    if e.kind == "object":
                        doc[e.field] = ({c: _value(child, c, v) for c, v in mine[0].items() if c != e.link}
                                        if mine else None)
                    else:
                        doc[e.field] = [r[e.value] for r in mine]
                docs.append(doc)
            out[coll] = docs
        return out

    def check_documents(self, schema: Schema, docs: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
        """Collection -> the first few validation errors (empty when every document passes)."""
        import jsonschema
        out = {}
        for coll, items in docs.items():
            v = jsonschema.Draft4Validator(to_json_schema(self.validator(schema, coll)["$jsonSchema"]),
                                           format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
            errors = [f"{d.get('_id')}: {e.message}" for d in items for e in v.iter_errors(d)]
            out[coll] = errors[:5]
        return out

    def sizes(self, docs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Per collection: document count, mean and largest size (JSON bytes, a stand-in for
        BSON), and for each embedded array the largest length and how many elements of the
        average size would reach 16 MB."""
        out = []
        for coll, items in docs.items():
            sizes = [len(json.dumps(d, default=str).encode()) for d in items] or [0]
            row = {"collection": coll, "documents": len(items), "mean_bytes": round(sum(sizes) / len(sizes)),
                   "max_bytes": max(sizes), "limit_share": round(max(sizes) / DOC_LIMIT, 6)}
            for e in self.embeds:
                if e.owner == coll and e.kind == "id array":
                    lens = [len(d.get(e.field) or []) for d in items] or [0]
                    per = max(1, round(sum(len(json.dumps(x)) + 1 for d in items for x in d.get(e.field) or [])
                                       / max(sum(lens), 1)))
                    row[f"{e.field}: max length"] = max(lens)
                    row[f"{e.field}: elements to 16 MB"] = (DOC_LIMIT - max(sizes)) // per
            out.append(row)
        return out

    def mongosh(self, schema: Schema) -> str:
        """A mongosh script creating every collection with its validator and indexes."""
        lines = ["// Generated by dbdesign from the schema and the access patterns.",
                 "// Run: mongosh \"mongodb://localhost/app\" create.js"]
        indexes = self.indexes()
        for coll in self.collections:
            lines.append(f"db.createCollection({json.dumps(coll)}, {{validator: "
                         f"{json.dumps(self.validator(schema, coll), indent=2)}, validationLevel: \"strict\"}});")
            for ix in indexes.get(coll, []):
                name = "ix_" + "_".join(k for k, _ in ix)
                keys = ", ".join(f"{json.dumps(k)}: {v}" for k, v in ix)
                lines.append(f"db.getCollection({json.dumps(coll)}).createIndex({{{keys}}}, {{name: {json.dumps(name)}}});")
        return "\n".join(lines) + "\n"


def design(schema: Schema, patterns: list[Pattern], config: Any = None) -> DocumentDesign:
    conv = conventions(config)
    decisions: list[Decision] = []
    embeds: list[Embed] = []
    own: list[str] = []
    for p in patterns:
        t = schema.table(p.entity)
        owner_fk = _one_to_one_owner(t, p, conv)
        join = _join_side(schema, t, p)
        if owner_fk is not None:
            field_name = _singular(t.name)
            embeds.append(Embed(owner_fk.ref_table, field_name, t.qualname, "object", owner_fk.columns[0]))
            decisions.append(Decision(p, owner_fk.ref_table, "embedded object", {"_id": f"<{p.key[0]}>"}, None,
                                      f"one {field_name} per {_singular(owner_fk.ref_table)}, read by its key: "
                                      f"embedded in the {owner_fk.ref_table} document, one read, no index"))
            continue
        if join is not None:
            here, other = join
            field_name = f"{other.columns[0]}s"
            embeds.append(Embed(here.ref_table, field_name, t.qualname, "id array", here.columns[0], other.columns[0]))
            decisions.append(Decision(p, here.ref_table, "embedded id array", {"_id": f"<{p.key[0]}>"}, None,
                                      f"{t.name} is a many-to-many join read from {here.ref_table}: an array of "
                                      f"{other.columns[0]} in that document (its primary key leads with "
                                      f"{here.columns[0]}: a few per {_singular(here.ref_table)})"))
            continue
        if t.qualname not in own:
            own.append(t.qualname)
        pk = t.primary_key.columns if t.primary_key else []
        if sorted(p.key) == sorted(pk) and not p.filter and len(pk) == 1:
            decisions.append(Decision(p, t.qualname, "_id lookup", {"_id": f"<{pk[0]}>"}, None,
                                      "the primary key is _id: its unique index answers it"))
            continue
        # equality first, then the sort (direction kept), range fields last (none in a pattern)
        index = [(k, 1) for k in p.key] + [(k, 1) for k in p.filter if k not in p.key]
        if p.sort:
            index.append((p.sort, -1 if p.desc else 1))
        query = {**{k: f"<{k}>" for k in p.key}, **p.filter}
        owners = list(dict.fromkeys(fk.ref_table for fk in t.foreign_keys
                                    if not conv.is_audit_fk(fk) and fk.ref_table != t.qualname))
        why = "ESR: equality " + ", ".join(k for k, _ in index if k != p.sort) + (f", then sort {p.sort}" if p.sort else "")
        if p.many and len(owners) > 1:
            why = (f"{t.name} belong to {' and '.join(owners)}: embedding under one "
                   f"would duplicate them for the other; own collection. " + why)
        elif p.many:
            why = f"{t.name} grow without bound per parent (16 MB limit): own collection. " + why
        decisions.append(Decision(p, t.qualname, "indexed find", query, index, why))
    embedded_owners = [e.owner for e in embeds]
    collections = list(dict.fromkeys(own + embedded_owners))
    return DocumentDesign(collections, decisions, embeds)


def to_json_schema(node: Any) -> Any:
    """`$jsonSchema` -> JSON Schema draft 4 for checking built documents: bsonType becomes
    type (date -> string + format date-time, long -> integer, double -> number)."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "bsonType":
            kinds = v if isinstance(v, list) else [v]
            types = [{"long": "integer", "int": "integer", "double": "number", "decimal": "number",
                      "bool": "boolean", "date": "string", "binData": "object"}.get(b, b) for b in kinds]
            out["type"] = types if len(types) > 1 else types[0]
            if "date" in kinds:
                out["format"] = "date-time"
        else:
            out[k] = to_json_schema(v)
    return out


def _bson(schema: Schema, t: Table, column: str, nullable: bool) -> dict[str, Any]:
    col = t.columns[column]
    fam = type_family(col.type)
    kind = "binData" if fam == "binary" else BSON.get(fam, "string")
    p: dict[str, Any] = {"bsonType": [kind, "null"] if nullable else kind}
    allowed = schema.enums[col.type].values if col.type in schema.enums else check_in_values(t, column)
    if allowed:
        p["enum"] = list(allowed) + ([None] if nullable else [])
    if fam == "uuid":
        p["pattern"] = UUID_PATTERN
    n = max_length(col.type)
    if n and not allowed:
        p["maxLength"] = n
    return p


def _value(t: Table, column: str, v: Any) -> Any:
    """A row value as the document carries it (MongoDB Extended JSON): timestamps and dates as
    RFC 3339 strings (a BSON date is an instant: a DATE is its midnight UTC), bytes as
    `{"$binary": ...}`."""
    col = t.columns.get(column)
    if v is None or col is None:
        return v
    fam = type_family(col.type)
    if isinstance(v, (bytes, bytearray, memoryview)) or fam == "binary":
        raw = bytes(v) if not isinstance(v, str) else v.encode()
        return {"$binary": {"base64": base64.b64encode(raw).decode(), "subType": "00"}}
    if fam in ("timestamp", "date"):
        if isinstance(v, str):
            v = _dt.datetime.fromisoformat(v)
        elif not isinstance(v, _dt.datetime) and isinstance(v, _dt.date):
            v = _dt.datetime.combine(v, _dt.time())
        if isinstance(v, _dt.datetime) and v.tzinfo is None:
            v = v.replace(tzinfo=_dt.timezone.utc)
        return v.isoformat()
    if fam == "json" and isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _singular(name: str) -> str:
    from dbdesign.schema.naming import singular_table
    return singular_table(name)


def _one_to_one_owner(t: Table, p: Pattern, conv):
    for fk in t.foreign_keys:
        if conv.is_audit_fk(fk) or fk.columns != p.key or p.filter:
            continue
        if any(sorted(s) == sorted(fk.columns) for s in t.unique_column_sets()):
            return fk
    return None


def _join_side(schema: Schema, t: Table, p: Pattern):
    """(fk to the side the pattern reads from, fk to the other side) for a join table read
    from the side that leads its primary key (a post's tags: few, chosen per post). Read from
    the other side (a tag's posts, growing with every post) it stays a collection of its own."""
    if not t.primary_key or len(t.primary_key.columns) != 2 or p.filter:
        return None
    by_col = {fk.columns[0]: fk for fk in t.foreign_keys if len(fk.columns) == 1}
    first, second = t.primary_key.columns
    if first in by_col and second in by_col and p.key == [first]:
        return by_col[first], by_col[second]
    return None
