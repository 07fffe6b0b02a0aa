"""A DynamoDB single-table design driven by access patterns, and its proof on a real
DynamoDB-compatible server (dynalite, see `dynalite.py`).

Layout: every row is one item keyed `PK = ENTITY#<primary key>`, `SK = ENTITY`; a pattern
that looks a row up by its primary key is a `GetItem`. Every other pattern gets a global
secondary index slot: GSIs are *overloaded* - `GSI1PK`/`GSI1SK` hold the first non-key pattern
of every entity, `GSI2*` the second, ... - so the table needs as many GSIs as the busiest
entity has patterns, not one per pattern. The index partition key is
`ENTITY#field=value[#...]` (key fields and constant filter), the sort key the sort field then
the primary key, so a pattern is one `Query` (`ScanIndexForward` for the direction, `Limit`).
An item gets a slot's attributes only when it matches the pattern's filter: the index is
*sparse* (only published posts are in "published posts").

DynamoDB facts used (AWS developer guide): item size limit 400 KB (names + values), a
partition serves 3,000 read units/s (one unit = a 4 KB strongly consistent read; eventually
consistent reads cost half), at most 20 GSIs per table.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from dbdesign.generate.access_patterns import Pattern
from dbdesign.model import Schema, Table
from dbdesign.schema.naming import singular_table

ITEM_LIMIT = 400 * 1024
PARTITION_RCU = 3000
MAX_GSIS = 20


@dataclass
class Access:
    pattern: Pattern
    operation: str  # "GetItem" | "Query"
    index: str | None  # None = the table, else "GSI1", ...
    pk_template: str
    sk_template: str
    reason: str


@dataclass
class KeyValueDesign:
    table_name: str
    accesses: list[Access]
    slots: dict[str, list[Access]] = field(default_factory=dict)  # index -> accesses sharing it

    @property
    def gsis(self) -> list[str]:
        return sorted(self.slots, key=lambda s: int(s[3:]))

    def create_table(self) -> dict[str, Any]:
        """`aws dynamodb create-table --cli-input-json` input (on-demand billing)."""
        attrs = ["PK", "SK"] + [f"{g}{k}" for g in self.gsis for k in ("PK", "SK")]
        return {
            "TableName": self.table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attrs],
            "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            **({"GlobalSecondaryIndexes": [
                {"IndexName": g, "KeySchema": [{"AttributeName": f"{g}PK", "KeyType": "HASH"},
                                               {"AttributeName": f"{g}SK", "KeyType": "RANGE"}],
                 "Projection": {"ProjectionType": "ALL"}} for g in self.gsis]} if self.gsis else {}),
        }

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame([{"pattern": a.pattern.name, "operation": a.operation, "index": a.index or "table",
                              "partition key": a.pk_template, "sort key": a.sk_template, "why": a.reason}
                             for a in self.accesses])

    # -- items ---------------------------------------------------------------------------
    def items(self, schema: Schema, rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The items stored for these rows (plain attribute values, None dropped)."""
        out = []
        for entity, table_rows in rows.items():
            table = schema.table(entity)
            mine = [a for a in self.accesses if a.pattern.entity == table.qualname and a.index]
            for row in table_rows:
                item = {k: v for k, v in row.items() if v is not None}
                item["PK"], item["SK"] = _entity(table) + "#" + _key(table, row), _entity(table)
                for a in mine:
                    if all(_plain(row.get(f)) == _plain(v) for f, v in a.pattern.filter.items()) and \
                            all(row.get(k) is not None for k in a.pattern.key):
                        item[f"{a.index}PK"] = _gsi_pk(table, a.pattern, row)
                        item[f"{a.index}SK"] = _gsi_sk(table, a.pattern, row)
                out.append(item)
        return out

    def request(self, schema: Schema, access: Access, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(operation, boto3 keyword arguments) answering `access` for these key values."""
        table = schema.table(access.pattern.entity)
        if access.operation == "GetItem":
            return "get_item", {"TableName": self.table_name, "Key": {
                "PK": {"S": _entity(table) + "#" + _key(table, values)}, "SK": {"S": _entity(table)}},
                "ReturnConsumedCapacity": "TOTAL"}
        p = access.pattern
        kwargs: dict[str, Any] = {
            "TableName": self.table_name, "IndexName": access.index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": f"{access.index}PK"},
            "ExpressionAttributeValues": {":pk": {"S": _gsi_pk(table, p, values)}},
            "ScanIndexForward": not p.desc, "ReturnConsumedCapacity": "TOTAL"}
        if p.limit or not p.many:
            kwargs["Limit"] = int(p.limit or 1)
        return "query", kwargs

    # -- estimates -----------------------------------------------------------------------
    def estimates(self, schema: Schema, rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Per pattern: largest item (bytes, against 400 KB), distinct partition key values,
        the largest item collection, and the hottest partition's read units per second when
        requests spread evenly over the key values the data holds (a constant-key pattern such
        as "published posts" sends all of them to one partition)."""
        items = self.items(schema, rows)
        out = []
        for a in self.accesses:
            table = schema.table(a.pattern.entity)
            mine = [i for i in items if i["SK"] == _entity(table)]
            if a.index:
                mine = [i for i in mine if f"{a.index}PK" in i]
            sizes = [item_size(i) for i in mine] or [0]
            parts: dict[str, int] = {}
            for i in mine:
                pk = i.get(f"{a.index}PK") if a.index else i["PK"]
                parts[pk] = parts.get(pk, 0) + 1
            read_items = 1 if not a.pattern.many else min(a.pattern.limit or max(parts.values() or [1]),
                                                          max(parts.values() or [1]))
            rcu = math.ceil(read_items * max(sizes) / 4096) or 1
            share = 1 / max(len(parts), 1)
            hottest = a.pattern.frequency * share * rcu
            out.append({"pattern": a.pattern.name, "items": len(mine), "max_item_bytes": max(sizes),
                        "item_limit_share": round(max(sizes) / ITEM_LIMIT, 5),
                        "partitions": len(parts), "largest_collection": max(parts.values() or [0]),
                        "frequency": a.pattern.frequency, "hottest_partition_rcu": round(hottest, 2),
                        "hot": hottest > PARTITION_RCU or (len(parts) <= 1 and a.pattern.frequency * rcu > PARTITION_RCU / 10)})
        return out


def design(schema: Schema, patterns: list[Pattern], table_name: str = "app") -> KeyValueDesign:
    """One table for every pattern; GetItem where the key is the primary key, else a Query on
    an overloaded GSI slot."""
    accesses: list[Access] = []
    slots: dict[str, list[Access]] = {}
    used: dict[str, int] = {}
    for p in patterns:
        table = schema.table(p.entity)
        ent = _entity(table)
        pk_cols = table.primary_key.columns if table.primary_key else []
        if pk_cols and sorted(p.key) == sorted(pk_cols) and not p.filter:
            accesses.append(Access(p, "GetItem", None, f"{ent}#" + "#".join("{%s}" % c for c in pk_cols), ent,
                                   "the key is the primary key: one GetItem on the table"))
            continue
        used[table.qualname] = used.get(table.qualname, 0) + 1
        index = f"GSI{used[table.qualname]}"
        if used[table.qualname] > MAX_GSIS:
            from dbdesign.errors import InputError
            raise InputError(f"{table.name} needs more than {MAX_GSIS} secondary indexes (DynamoDB's limit): "
                             "merge patterns that share a key")
        pk = _gsi_pk_template(table, p)
        sk = ("{%s}#" % p.sort if p.sort else "") + "#".join("{%s}" % c for c in pk_cols)
        why = [f"shares {index} with every entity's pattern no. {used[table.qualname]}"]
        if p.filter:
            why.append("sparse: only items with " + ", ".join(f"{k}={v}" for k, v in p.filter.items())
                       + " carry the index keys")
        if p.sort:
            why.append(f"sort key starts with {p.sort}: ScanIndexForward={'false' if p.desc else 'true'}")
        a = Access(p, "Query", index, pk, sk, "; ".join(why))
        accesses.append(a)
        slots.setdefault(index, []).append(a)
    return KeyValueDesign(table_name, accesses, slots)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute name bytes + value bytes (strings UTF-8, numbers ~ digits/2 + 1)."""
    total = 0
    for k, v in item.items():
        total += len(k.encode())
        if isinstance(v, bool):
            total += 1
        elif isinstance(v, (int, float)):
            total += len(str(v).lstrip("-").replace(".", "")) // 2 + 2
        else:
            total += len(str(v).encode())
    return total


def to_attr(v: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value."""
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, (int, float)):
        return {"N": str(v)}
    if isinstance(v, (dict, list)):
        return {"S": json.dumps(v, sort_keys=True, default=str)}
    return {"S": str(v)}


def from_attr(a: dict[str, Any]) -> Any:
    (kind, v), = a.items()
    if kind == "N":
        return int(v) if v.lstrip("-").isdigit() else float(v)
    if kind == "BOOL":
        return v
    return v


def _entity(table: Table) -> str:
    return singular_table(table.name).upper()


def _plain(v: Any) -> str:
    return "" if v is None else str(v)


def _sortable(v: Any) -> str:
    """Numbers zero-padded so that string order is numeric order (non-negative values)."""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int) and v >= 0:
        return f"{v:020d}"
    return _plain(v)


def _key(table: Table, row: dict[str, Any]) -> str:
    cols = table.primary_key.columns if table.primary_key else list(table.columns)
    return "#".join(_sortable(row.get(c)) for c in cols)


def _gsi_pk_template(table: Table, p: Pattern) -> str:
    parts = [f"{k}={{{k}}}" for k in p.key] + [f"{k}={v}" for k, v in p.filter.items()]
    return f"{_entity(table)}#" + "#".join(parts)


def _gsi_pk(table: Table, p: Pattern, row: dict[str, Any]) -> str:
    parts = [f"{k}={_plain(row.get(k))}" for k in p.key] + [f"{k}={v}" for k, v in p.filter.items()]
    return f"{_entity(table)}#" + "#".join(parts)


def _gsi_sk(table: Table, p: Pattern, row: dict[str, Any]) -> str:
    return (f"{_sortable(row.get(p.sort))}#" if p.sort else "") + _key(table, row)
