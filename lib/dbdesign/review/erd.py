"""Entity-relationship diagrams of a `Schema`: Graphviz (SVG/PNG/DOT), Mermaid, DBML, and a diff view.

Peers' diagrams (eralchemy, SchemaSpy) become unreadable past ~100 tables. Here a large schema
is split into clusters found from its FK graph (each about `max_cluster` tables, named by its
hub table, never one table alone): `overview_svg` draws one box per cluster with FK counts
between them (a 375-table schema fits one screen), `render_set` writes that overview plus a
diagram per cluster and per `[erd.viewpoints]` group, and Mermaid is split per cluster past
GitHub's limits. A reviewer can ask for the neighbourhood of one table (`around=`, `depth=`,
or `neighbourhood_svg` for a table's page) or keys only (`compact=True`). Table boxes link to
`#table-NAME`, the report's per-table sections. The audit references every table makes to the
users table (`created_by`/`updated_by`) are drawn faint and ignored when grouping: they say who
touched a row, not what the row belongs to.

Crow's-foot notation, parent on the left: the parent end is "exactly one" (tee-tee) or, when the
FK column is nullable, "zero or one" (tee-circle); the child end is "zero or many" (crow-circle)
or, when the FK columns are unique, "zero or one" (a 1:1 relationship). Implied relationships
(a column `{singular}_id` naming a table, with no FK constraint) are dashed.
"""
from __future__ import annotations

import difflib
import fnmatch
import html
import math
import os
import re
import subprocess
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz

from dbdesign.errors import InputError
from dbdesign.model import Column, Schema, Table
from dbdesign.schema.naming import DEFAULT, Conventions, conventions, plural_candidates

SUPPORTED_EXTENSIONS = (".svg", ".png", ".dot", ".mmd", ".dbml")
DEFAULT_MAX_CLUSTER = 40
# Boxes per rank in a cluster diagram (`_stagger_edges`): MusicBrainz's 19 cluster diagrams
# go from strips (median 4399 px, worst 13983 px long side, aspect up to 10:1) to a median of
# 3668 px and aspect at most 2:1 (benchmarks/bench_erd.py).
CLUSTER_STAGGER = 6

# Colours: calm defaults, and the three diff states (green / red / amber) with light fills.
HEADER_BG = "#dbe8f5"
FAINT = "#8a8a8a"
DIFF_COLOURS = {"added": ("#2e7d32", "#e8f5e9"), "removed": ("#c62828", "#ffebee"),
                "changed": ("#e65100", "#fff3e0")}
CLUSTER_FILLS = ["#f7f9fc", "#f9f7fc", "#f7fcf8", "#fcfaf5", "#f5fbfc", "#fcf6f7"]


# -- relationships -------------------------------------------------------------------------

@dataclass
class Relationship:
    """One edge of the diagram: `child.columns` -> `parent.ref_columns`."""
    child: str
    parent: str
    columns: list[str]
    ref_columns: list[str]
    kind: str = "fk"  # "fk" | "implied"
    nullable: bool = False  # some FK column is nullable: the parent end is "zero or one"
    unique: bool = False  # the FK columns are unique in the child: one-to-one
    audit: bool = False  # created_by/updated_by: faint, ignored by clustering and --around
    name: str | None = None
    on_delete: str | None = None
    on_update: str | None = None

    @property
    def key(self) -> str:
        return f"{self.child}({','.join(self.columns)})->{self.parent}"


def _prefix_of(name: str) -> str:
    base = name.rsplit(".", 1)[-1]
    schema = name.rsplit(".", 1)[0] + "." if "." in name else ""
    return schema + (base.split("_", 1)[0] if "_" in base else "")


def _find_implied_target(schema: Schema, table: Table, column: str) -> str | None:
    """`author_id` -> a table named `authors` (or `{prefix}_authors`, same prefix first)."""
    singular = column[: -len("_id")]
    if not singular or singular in ("parent", "external", "row", "session"):
        return None
    names = list(schema.tables)
    for cand in plural_candidates(singular):
        if cand in schema.tables:
            return cand
    prefix = _prefix_of(table.qualname)
    for cand in plural_candidates(singular):
        if prefix and f"{prefix}_{cand}" in schema.tables:
            return f"{prefix}_{cand}"
    for cand in plural_candidates(singular):
        hits = [n for n in names if n.endswith("_" + cand) or n.endswith("." + cand)]
        if len(hits) == 1:
            return hits[0]
    return None


def relationships(schema: Schema, implied: bool = True, conv: Conventions = DEFAULT) -> list[Relationship]:
    """Every FK of the schema, plus implied relationships (FK-like names with no constraint).
    `conv` names the audit columns (created_by -> users is marked `audit`)."""
    rels: list[Relationship] = []
    for t in schema.tables.values():
        uniques = [set(u) for u in t.unique_column_sets()]
        fk_columns: set[str] = set()
        for fk in t.foreign_keys:
            parent = fk.ref_table if fk.ref_table in schema.tables else (
                schema.table(fk.ref_table).qualname if schema.table(fk.ref_table) else fk.ref_table)
            fk_columns.update(fk.columns)
            cols = [t.columns.get(c) for c in fk.columns]
            rels.append(Relationship(
                child=t.qualname, parent=parent, columns=list(fk.columns),
                ref_columns=list(fk.ref_columns),
                nullable=any(c is None or c.nullable for c in cols),
                unique=any(set(fk.columns) >= u for u in uniques if u),
                audit=conv.is_audit_fk(fk),
                name=fk.name, on_delete=fk.on_delete, on_update=fk.on_update))
        if not implied:
            continue
        for col in t.columns.values():
            if not col.name.endswith("_id") or col.name in fk_columns:
                continue
            target = _find_implied_target(schema, t, col.name)
            if target is None or target == t.qualname:
                continue
            parent = schema.tables[target]
            ref = parent.primary_key.columns if parent.primary_key and len(parent.primary_key.columns) == 1 else ["id"]
            rels.append(Relationship(
                child=t.qualname, parent=target, columns=[col.name], ref_columns=list(ref),
                kind="implied", nullable=col.nullable,
                unique=any(u == {col.name} for u in uniques)))
    return rels


def _adjacency(schema: Schema, rels: list[Relationship]) -> dict[str, Counter]:
    """Undirected weighted graph of tables over domain (non-audit) relationships."""
    adj: dict[str, Counter] = {name: Counter() for name in schema.tables}
    for r in rels:
        if r.audit or r.child == r.parent or r.parent not in adj:
            continue
        adj[r.child][r.parent] += 1
        adj[r.parent][r.child] += 1
    return adj


# -- neighbourhood and clusters ------------------------------------------------------------

def resolve_table(schema: Schema, name: str) -> str:
    """The qualified name of table `name`, or InputError naming close matches."""
    t = schema.table(name)
    if t is not None:
        return t.qualname
    close = difflib.get_close_matches(name, list(schema.tables), n=3, cutoff=0.6)
    if close:
        hint = f"did you mean {', '.join(close)}?"
    else:
        names = sorted(schema.tables)
        hint = (f"the schema has {len(names)} table(s): {', '.join(names[:12])}"
                f"{', ...' if len(names) > 12 else ''}" if names else "the schema has no tables")
    raise InputError(f"no table {name!r} in the schema; {hint}")


def neighbourhood(schema: Schema, around: str, depth: int = 1) -> list[str]:
    """Tables within `depth` relationship hops of `around`, both directions (audit refs ignored)."""
    if depth < 0:
        raise InputError(f"depth must be >= 0, got {depth}")
    start = resolve_table(schema, around)
    return _within(_adjacency(schema, relationships(schema)), start, depth)


def _within(adj: dict[str, Counter], start: str, depth: int) -> list[str]:
    seen = {start: 0}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        if seen[cur] >= depth:
            continue
        for nb in sorted(adj[cur]):
            if nb not in seen:
                seen[nb] = seen[cur] + 1
                queue.append(nb)
    return sorted(seen)


def _greedy_modularity(nodes: list[str], adj: dict[str, Counter], max_size: int) -> list[list[str]]:
    """Clauset-Newman-Moore greedy modularity with a size cap, deterministic.

    Repeatedly merge the two adjacent communities whose merge raises modularity most, never
    creating one larger than `max_size`. Ties break on the communities' smallest member names,
    so the result depends only on the graph.
    """
    node_set = set(nodes)
    members: dict[str, list[str]] = {n: [n] for n in nodes}
    degree: dict[str, float] = {n: float(sum(w for nb, w in adj[n].items() if nb in node_set)) for n in nodes}
    two_m = sum(degree.values())
    if two_m == 0:
        return [[n] for n in nodes]
    # e[a][b]: edge weight between communities a and b (each undirected edge counted once per side).
    e: dict[str, Counter] = {n: Counter({nb: w for nb, w in adj[n].items() if nb in node_set and nb != n})
                             for n in nodes}
    a = {n: degree[n] / two_m for n in nodes}
    while True:
        best: tuple[float, str, str] | None = None
        for c1 in sorted(e):
            for c2, w in e[c1].items():
                if c2 <= c1 or len(members[c1]) + len(members[c2]) > max_size:
                    continue
                dq = 2 * (w / two_m - a[c1] * a[c2])
                if dq > 1e-12 and (best is None or dq > best[0] + 1e-12):
                    best = (dq, c1, c2)
        if best is None:
            break
        _, keep, gone = best
        members[keep].extend(members.pop(gone))
        a[keep] += a.pop(gone)
        for nb, w in e.pop(gone).items():
            if nb == keep:
                continue
            e[keep][nb] += w
            e[nb][keep] += w
            del e[nb][gone]
        del e[keep][gone]
    return [sorted(m) for m in members.values()]


def _attach_leftovers(groups: list[list[str]], loose: list[str], adj: dict[str, Counter],
                      names: list[str], max_size: int) -> tuple[list[list[str]], list[str]]:
    """Give every table of `loose` (1-table groups) a home among `groups`.

    A table with FK neighbours joins the group it has most FKs to, one with room first (ties:
    the smaller group, then its first name); only when every neighbour group is full does it
    overflow one, since a 41-table cluster reads better than a 1-table one. A table with no FK
    at all takes a name hint: it joins the group of the longest table name it starts with
    (`artist_release_va` -> `artist_release`'s group) when that group has room. The rest come
    back as unconnected. Deterministic: tables are placed in name order.
    """
    where = {t: i for i, g in enumerate(groups) for t in g}
    unplaced: list[str] = []
    isolated: list[str] = []
    for t in sorted(loose):
        weights: Counter = Counter()
        for nb, w in adj[t].items():
            if nb in where:
                weights[where[nb]] += w
        if not weights:
            isolated.append(t)
            continue
        best = sorted(weights, key=lambda i: (len(groups[i]) + 1 > max_size, -weights[i],
                                             len(groups[i]), groups[i][0]))[0]
        groups[best].append(t)
        where[t] = best
    name_set = set(names)
    for t in isolated:
        base = t.rsplit(".", 1)[-1]
        qual = t[: len(t) - len(base)]
        parts = base.split("_")
        home = None
        for k in range(len(parts) - 1, 0, -1):
            cand = qual + "_".join(parts[:k])
            if cand in name_set and cand in where and len(groups[where[cand]]) < max_size:
                home = where[cand]
                break
        if home is None:
            unplaced.append(t)
        else:
            groups[home].append(t)
            where[t] = home
    return groups, unplaced


def _partition(schema: Schema, max_size: int, method: str, names: list[str],
               adj: dict[str, Counter]) -> tuple[list[list[str]], list[str]]:
    """(FK groups, unconnected tables): the groups have at least 2 tables each."""
    in_names = set(names)
    sub_adj = {n: Counter({nb: w for nb, w in adj[n].items() if nb in in_names and nb != n})
               for n in names}
    if method == "auto":
        connected = [n for n in names if sub_adj[n]]
        parts = _greedy_modularity(connected, sub_adj, max_size)
        loose = [n for n in names if n not in {m for g in parts for m in g}]
    else:
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for n in names:
            by_prefix[_prefix_of(n)].append(n)
        parts = []
        for _, ms in sorted(by_prefix.items()):
            parts.extend([ms] if len(ms) <= max_size else _greedy_modularity(ms, sub_adj, max_size))
        loose = []
    groups = [list(g) for g in parts if len(g) > 1]
    loose += [g[0] for g in parts if len(g) == 1]
    if not groups:
        return [], sorted(loose)
    groups, unplaced = _attach_leftovers(groups, loose, sub_adj, names, max_size)
    return [sorted(g) for g in groups], sorted(unplaced)


def clusters(schema: Schema, max_size: int = DEFAULT_MAX_CLUSTER, method: str = "auto",
             tables: list[str] | None = None) -> list[list[str]]:
    """Partition tables into groups of about `max_size` at most, every table in exactly one.

    `method="auto"`: communities of the FK graph (greedy modularity, capped at `max_size`).
    `method="prefix"`: by name prefix (`billing_`), a prefix larger than `max_size` split by FK
    connectivity. Either way no group has one table: a lone table joins the group it has most
    FKs to (see `_attach_leftovers`), and tables with no FK at all end in trailing
    "unconnected" groups. Sorted by size (largest first), then name, so output is stable.
    """
    return [list(c.tables) for c in named_clusters(schema, max_size, method, tables)]


@dataclass(frozen=True)
class Cluster:
    """A group of tables drawn together, named after its hub (its most-connected table)."""
    name: str  # the hub table, or "unconnected" / "unconnected-2"
    tables: tuple[str, ...]
    hub: str | None  # None for the unconnected group
    hubs: tuple[str, ...] = ()  # the next most-connected tables, for the label

    @property
    def slug(self) -> str:
        """File-name and anchor-safe form of `name`."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.name)

    @property
    def anchor(self) -> str:
        """The HTML id the per-cluster diagram is expected under (`#erd-cluster-SLUG`)."""
        return f"erd-cluster-{self.slug}"

    @property
    def label(self) -> str:
        n = len(self.tables)
        if self.hub is None:
            return f"{self.name} ({n} table{'s' if n != 1 else ''}: no foreign keys)"
        also = f"; also {', '.join(self.hubs)}" if self.hubs else ""
        return f"{self.hub} ({n} tables{also})"


def _hubs(group: list[str], adj: dict[str, Counter], n: int = 3) -> list[str]:
    """Tables of `group` by FK count inside the group, then overall, then name."""
    members = set(group)
    return sorted(group, key=lambda t: (-sum(w for nb, w in adj[t].items() if nb in members and nb != t),
                                        -sum(adj[t].values()), t))[:n]


def named_clusters(schema: Schema, max_size: int = DEFAULT_MAX_CLUSTER, method: str = "auto",
                   tables: list[str] | None = None) -> list[Cluster]:
    """`clusters` with names: each FK group is named by its hub table (most FKs inside the
    group), the tables without any FK form "unconnected" groups, listed last."""
    if max_size < 1:
        raise InputError(f"max cluster size must be >= 1, got {max_size}")
    if method not in ("auto", "prefix"):
        raise InputError(f"unknown clustering method {method!r}; use auto or prefix")
    names = sorted(tables if tables is not None else schema.tables)
    adj = _adjacency(schema, relationships(schema))
    groups, unconnected = _partition(schema, max_size, method, names, adj)
    out = []
    for g in sorted(groups, key=lambda g: (-len(g), g[0])):
        hubs = _hubs(g, adj)
        out.append(Cluster(hubs[0], tuple(g), hubs[0], tuple(hubs[1:])))
    if unconnected:
        chunks = -(-len(unconnected) // max_size)
        size = -(-len(unconnected) // chunks)  # even chunks: no 1-table tail
        for i in range(chunks):
            part = unconnected[i * size:(i + 1) * size]
            out.append(Cluster("unconnected" if i == 0 else f"unconnected-{i + 1}", tuple(part), None))
    return out


# -- Graphviz ------------------------------------------------------------------------------

@dataclass
class ErdOptions:
    """Options shared by every output format (see `to_dot`)."""
    around: str | None = None
    depth: int = 1
    compact: bool = False
    cluster: str = "auto"  # "auto" | "prefix" | "none"
    max_cluster: int = DEFAULT_MAX_CLUSTER
    audit_edges: bool = False  # created_by/updated_by -> users: noted in the row, not drawn
    implied: bool = True
    legend: bool = True
    rankdir: str = "LR"
    title: str | None = None
    tables: list[str] | None = None  # draw only these tables (a cluster, a viewpoint)
    context: bool = False  # with `tables`: also draw their FK neighbours as linked name boxes
    stagger: int | None = None  # at most this many boxes per rank (`_stagger_edges`); None: dot's own
    links: bool = True  # table boxes link to `#table-NAME` (the report's per-table sections)
    id_prefix: str = "erd-"  # SVG ids: unique when several diagrams share one HTML page
    config: Any = None  # a dbdesign Config: its [lint] audit / soft-delete / timestamp columns

    @property
    def conv(self) -> Conventions:
        return conventions(self.config)


def _options(opts: dict) -> ErdOptions:
    try:
        o = ErdOptions(**opts)
    except TypeError as err:
        raise InputError(f"unknown ERD option ({err}); options are "
                         f"{', '.join(ErdOptions.__dataclass_fields__)}") from None
    if o.cluster not in ("auto", "prefix", "none"):
        raise InputError(f"unknown cluster mode {o.cluster!r}; use auto, prefix or none")
    return o


def _selected(schema: Schema, o: ErdOptions) -> list[str]:
    if o.around is not None:
        return neighbourhood(schema, o.around, o.depth)
    if o.tables is not None:
        return sorted({resolve_table(schema, t) for t in o.tables})
    return sorted(schema.tables)


def table_anchor(name: str) -> str:
    """The HTML id of a table's section in the report; ERD boxes link to `#` + this."""
    return f"table-{name}"


def _key_sets(t: Table) -> tuple[set[str], set[str], set[str]]:
    pk = set(t.primary_key.columns) if t.primary_key else set()
    fk = {c for f in t.foreign_keys for c in f.columns}
    uq = {c for u in t.unique_column_sets() if u != (t.primary_key.columns if t.primary_key else None)
          for c in u if len(u) == 1} - pk
    return pk, fk, uq


def _visible_columns(t: Table, compact: bool, implied_cols: set[str]) -> list[Column]:
    pk, fk, uq = _key_sets(t)
    cols = list(t.columns.values())
    if compact:
        cols = [c for c in cols if c.name in pk | fk | uq | implied_cols]
    return cols


def _is_faint(name: str, conv: Conventions = DEFAULT) -> bool:
    """Bookkeeping columns (timestamps, audit, soft delete) are drawn faint."""
    return name in conv.bookkeeping_columns


def _port(t: Table, col: str) -> str:
    return f"c{list(t.columns).index(col)}" if col in t.columns else ""


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _table_label(t: Table, o: ErdOptions, implied_cols: set[str], status: str | None = None,
                 col_status: dict[str, str] | None = None) -> str:
    pk, fk, uq = _key_sets(t)
    col_status = col_status or {}
    audit_targets = {f.columns[0]: f.ref_table for f in t.foreign_keys
                     if len(f.columns) == 1 and f.columns[0] in o.conv.audit_fk_columns}
    header_bg = HEADER_BG
    header_fg = "black"
    if status in DIFF_COLOURS:
        header_fg, header_bg = DIFF_COLOURS[status][0], DIFF_COLOURS[status][1]
    flags = []
    if any(c in t.columns for c in o.conv.soft_delete_columns):
        flags.append("soft-delete")
    flag_txt = f' <FONT POINT-SIZE="9" COLOR="{FAINT}"><I>{" ".join(flags)}</I></FONT>' if flags else ""
    status_txt = f' <FONT POINT-SIZE="9">[{status}]</FONT>' if status in DIFF_COLOURS else ""
    rows = [f'<TR><TD COLSPAN="3" BGCOLOR="{header_bg}" ALIGN="CENTER">'
            f'<FONT COLOR="{header_fg}"><B>{_esc(t.qualname)}</B></FONT>{flag_txt}{status_txt}</TD></TR>']
    cols = _visible_columns(t, o.compact, implied_cols)
    for c in cols:
        marks = [m for m, s in (("PK", pk), ("FK", fk), ("UQ", uq)) if c.name in s]
        if c.name in implied_cols and "FK" not in marks:
            marks.append("fk?")
        if c.name in audit_targets and not o.audit_edges:
            marks.append(f"&#8594; {_esc(audit_targets[c.name])}")
        name = _esc(c.name)
        ctype = _esc(c.type) + ("" if not c.nullable else f' <FONT COLOR="{FAINT}">NULL</FONT>')
        bg = ""
        cs = col_status.get(c.name)
        if cs in DIFF_COLOURS:
            fg, fill = DIFF_COLOURS[cs]
            name = f'<FONT COLOR="{fg}"><B>{name}</B></FONT>'
            bg = f' BGCOLOR="{fill}"'
        elif _is_faint(c.name, o.conv):
            name = f'<FONT COLOR="{FAINT}"><I>{name}</I></FONT>'
            ctype = f'<FONT COLOR="{FAINT}"><I>{_esc(c.type)}{" NULL" if c.nullable else ""}</I></FONT>'
        elif not c.nullable:
            name = f"<B>{name}</B>"
        port = _port(t, c.name)
        rows.append(f'<TR><TD ALIGN="LEFT" PORT="{port}w"{bg}><FONT POINT-SIZE="9">{" ".join(marks) or " "}</FONT></TD>'
                    f'<TD ALIGN="LEFT"{bg}>{name}</TD>'
                    f'<TD ALIGN="LEFT" PORT="{port}e"{bg}>{ctype}</TD></TR>')
    hidden = len(t.columns) - len(cols)
    if hidden:
        rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{FAINT}">'
                    f'+{hidden} non-key columns</FONT></TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _link(o: ErdOptions, name: str) -> dict[str, str]:
    return {"href": "#" + table_anchor(name), "target": "_top"} if o.links else {}


def _arrows(r: Relationship) -> tuple[str, str]:
    """(parent end, child end) Graphviz arrow names in crow's-foot notation."""
    parent_end = "teeodot" if r.nullable else "teetee"
    child_end = "teeodot" if r.unique else "crowodot"
    return parent_end, child_end


def _legend(o: ErdOptions, hidden_audit: int = 0, diff: bool = False) -> str:
    rows = ['<TR><TD COLSPAN="2"><B>Legend</B></TD></TR>',
            '<TR><TD ALIGN="LEFT">PK / FK / UQ</TD><TD ALIGN="LEFT">primary key / foreign key / unique</TD></TR>',
            '<TR><TD ALIGN="LEFT">fk?</TD><TD ALIGN="LEFT">FK-like name, no constraint (implied)</TD></TR>',
            '<TR><TD ALIGN="LEFT"><B>bold</B> / NULL</TD><TD ALIGN="LEFT">NOT NULL / nullable column</TD></TR>',
            f'<TR><TD ALIGN="LEFT"><FONT COLOR="{FAINT}"><I>grey italic</I></FONT></TD>'
            '<TD ALIGN="LEFT">audit (created/updated_at/by) and soft-delete (deleted_at) columns</TD></TR>',
            '<TR><TD ALIGN="LEFT">solid line</TD><TD ALIGN="LEFT">FK constraint; crow = many, bar = one, circle = optional</TD></TR>',
            '<TR><TD ALIGN="LEFT">dashed line</TD><TD ALIGN="LEFT">implied relationship (no FK constraint)</TD></TR>',
            '<TR><TD ALIGN="LEFT">FK &#8594; users</TD><TD ALIGN="LEFT">audit reference (created_by/updated_by), '
            'not drawn as a line</TD></TR>' if not o.audit_edges else
            f'<TR><TD ALIGN="LEFT"><FONT COLOR="{FAINT}">faint line</FONT></TD><TD ALIGN="LEFT">audit reference (created_by/updated_by)</TD></TR>']
    if hidden_audit:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT COLOR="{FAINT}">{hidden_audit} audit references '
                    'not drawn (audit_edges=True draws them)</FONT></TD></TR>')
    if diff:
        for st, (fg, fill) in DIFF_COLOURS.items():
            rows.append(f'<TR><TD BGCOLOR="{fill}"><FONT COLOR="{fg}"><B>{st}</B></FONT></TD>'
                        f'<TD ALIGN="LEFT">{st} table, column or relationship</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _edge_id(r: Relationship) -> str:
    kind = "audit" if r.audit else r.kind
    return f"{kind}-{r.child}-{'-'.join(r.columns)}-{r.parent}"


def _build_graph(schema: Schema, o: ErdOptions, status: dict[str, str] | None = None,
                 col_status: dict[str, dict[str, str]] | None = None,
                 rel_status: dict[str, str] | None = None,
                 extra_rels: list[Relationship] | None = None,
                 all_rels: list[Relationship] | None = None) -> graphviz.Digraph:
    """The diagram; `all_rels` is `relationships(schema, ...)` when the caller has it."""
    status = status or {}
    col_status = col_status or {}
    rel_status = rel_status or {}
    names = _selected(schema, o)
    selected = set(names)
    if all_rels is None:
        all_rels = relationships(schema, implied=o.implied, conv=o.conv)
    rels = all_rels + list(extra_rels or [])
    outside: set[str] = set()
    if o.context and o.tables is not None:
        outside = {t for r in rels if not r.audit and (r.child in selected) != (r.parent in selected)
                   for t in (r.child, r.parent)} - selected
    drawn = selected | outside
    rels = [r for r in rels if r.child in drawn and r.parent in drawn
            and (r.child in selected or r.parent in selected)]
    implied_cols: dict[str, set[str]] = defaultdict(set)
    for r in rels:
        if r.kind == "implied":
            implied_cols[r.child].update(r.columns)
    draw_audit = o.audit_edges

    g = graphviz.Digraph("erd", format="svg")
    g.attr(rankdir=o.rankdir, nodesep="0.3", ranksep="0.9", fontname="Helvetica",
           fontsize="11", newrank="true")
    if o.title:
        g.attr(label=o.title, labelloc="t", fontsize="16")
    g.attr("node", shape="plaintext", fontname="Helvetica", fontsize="10", margin="0")
    g.attr("edge", fontname="Helvetica", fontsize="9", color="#4a5a6a", dir="both")

    groups: list[list[str]]
    if o.cluster == "none" or (o.cluster == "auto" and len(names) <= o.max_cluster):
        groups = [names]
        clustered = False
    else:
        named = named_clusters(schema, o.max_cluster, "auto" if o.cluster == "auto" else "prefix", names)
        groups = [list(c.tables) for c in named]
        clustered = True

    for i, group in enumerate(groups):
        target = g
        sub = None
        if clustered:
            sub = graphviz.Digraph(f"cluster_{i}")
            sub.attr(label=named[i].label, style="rounded,filled", id=f"{o.id_prefix}{named[i].anchor}",
                     fillcolor=CLUSTER_FILLS[i % len(CLUSTER_FILLS)], color="#c0c8d0",
                     fontsize="14", fontname="Helvetica-Bold")
            target = sub
        for name in group:
            t = schema.tables[name]
            target.node(name, label=_table_label(t, o, implied_cols[name], status.get(name),
                                                 col_status.get(name)),
                        id=f"{o.id_prefix}table-{name}", tooltip=t.comment or name, **_link(o, name))
        if sub is not None:
            g.subgraph(sub)
    for name in sorted(outside):
        g.node(name, label=name, shape="box", style="rounded,dashed", color=FAINT, fontcolor=FAINT,
               id=f"{o.id_prefix}context-{name}", tooltip=f"{name}: outside this diagram",
               **_link(o, name))

    hidden_audit = 0
    for r in sorted(rels, key=lambda r: (r.child, r.columns, r.parent)):
        if r.audit and not draw_audit and r.key not in rel_status:
            hidden_audit += 1
            continue
        child_t, parent_t = schema.tables[r.child], schema.tables[r.parent]
        parent_end, child_end = _arrows(r)
        attrs = {"arrowtail": parent_end, "arrowhead": child_end, "id": o.id_prefix + _edge_id(r),
                 "class": "audit" if r.audit else r.kind,
                 "tooltip": f"{r.child}({', '.join(r.columns)}) -> {r.parent}({', '.join(r.ref_columns)})"
                            + (" implied: no FK constraint" if r.kind == "implied" else "")}
        if r.kind == "implied":
            attrs.update(style="dashed", color="#5b7fa6")
        if r.audit:
            attrs.update(color="#c8c8c8", penwidth="0.6", constraint="false", arrowsize="0.6")
        st = rel_status.get(r.key)
        if st in DIFF_COLOURS:
            attrs.update(color=DIFF_COLOURS[st][0], penwidth="2")
        tail_port = _port(parent_t, r.ref_columns[0]) if r.ref_columns else ""
        head_port = _port(child_t, r.columns[0])
        if o.compact or not tail_port or r.parent in outside:
            tail_port = ""
        if r.child in outside:
            head_port = ""
        if r.parent in outside or r.child in outside:
            attrs.update(color=FAINT, style="dashed" if r.kind == "implied" else "solid")
        # Ports on the row's outer side: the crow's foot lands on the column, not inside it.
        g.edge(f"{r.parent}:{tail_port}e:e" if tail_port else r.parent,
               f"{r.child}:{head_port}w:w" if head_port else r.child, **attrs)
    if o.stagger:
        for a, b in _stagger_edges([n for grp in groups for n in grp] + sorted(outside),
                                   [(r.parent, r.child) for r in rels if not r.audit], o.stagger):
            g.edge(a, b, style="invis", dir="none")
    if o.legend:
        g.node("__legend__", label=_legend(o, hidden_audit, diff=bool(status or col_status or rel_status)),
               id=f"{o.id_prefix}legend")
    return g


def _stagger_edges(nodes: list[str], edges: list[tuple[str, str]], per_rank: int) -> list[tuple[str, str]]:
    """Invisible edges that spread a crowded rank over several: dot puts every child of the
    same parents in one rank, so a hub with 40 children is a strip 40 boxes long. The ranks
    are estimated as dot does (longest path from the parents, FK cycles cut after a bound);
    in a rank of more than `per_rank` boxes, box j gets an edge from box j - per_rank, which
    moves it one rank further: columns of at most `per_rank`, side by side. A cluster diagram
    then comes out near square instead of a strip (graphviz's `unflatten` does this for
    leaves only; here the children of a link table's two parents are not leaves)."""
    known = set(nodes)
    rank = dict.fromkeys(nodes, 0)
    pairs = [(a, b) for a, b in edges if a != b and a in known and b in known]
    for _ in range(len(nodes)):
        changed = False
        for a, b in pairs:
            if rank[b] < rank[a] + 1 and rank[a] < len(nodes):
                rank[b] = rank[a] + 1
                changed = True
        if not changed:
            break
    by_rank: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        by_rank[rank[n]].append(n)
    out = []
    for members in by_rank.values():
        for j in range(per_rank, len(members)):
            out.append((members[j - per_rank], members[j]))
    return out


def to_dot(schema: Schema, **opts) -> str:
    """Graphviz DOT source of the ERD.

    Options: `around=TABLE, depth=N` (neighbourhood both directions), `compact=True` (key
    columns only), `cluster="auto"|"prefix"|"none"` (auto clusters past `max_cluster` tables),
    `max_cluster=40`, `audit_edges=False` (True draws created_by/updated_by lines), `implied=True`, `legend=True`, `title=`.
    """
    return _build_graph(schema, _options(opts)).source


_PROLOG = re.compile(r"\A(?:\s*<\?xml[^>]*\?>|\s*<!DOCTYPE[^>]*>|\s*<!--\s*Generated by graphviz[^>]*-->)+\s*",
                     re.S)


def _run_dot(source: str, fmt: str) -> bytes:
    """`dot -T{fmt}` on `source`. Not `graphviz.Source.pipe`: it writes all of stdin before
    reading stdout, which deadlocks once dot answers a multi-graph input (one output per
    graph) with more than a pipe buffer; `communicate` reads and writes together."""
    try:
        proc = subprocess.run(["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
    except FileNotFoundError:
        raise InputError("Graphviz `dot` not found; install it (Debian: apt-get install graphviz)") from None
    if proc.returncode != 0:  # pragma: no cover - our DOT is generated
        raise InputError(f"Graphviz failed: {proc.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return proc.stdout


def _clean_svg(svg: str) -> str:
    """Inline-ready SVG: no XML prolog/doctype, no Graphviz version comment (stable output)."""
    svg = _PROLOG.sub("", svg)
    return re.sub(r"<!-- Generated by graphviz[^>]*-->\s*", "", svg)


def to_svg(schema: Schema, **opts) -> str:
    """SVG text for inline use in HTML reports (no XML prolog, no Graphviz version comment)."""
    return _clean_svg(_run_dot(to_dot(schema, **opts), "svg").decode("utf-8"))


# -- overview, per-cluster diagrams, viewpoints --------------------------------------------

def cluster_links(schema: Schema, groups: list[Cluster], conv: Conventions = DEFAULT,
                  implied: bool = True) -> dict[tuple[str, str], int]:
    """FK count between each pair of clusters, keyed by their names in sorted order.

    Domain relationships only (audit references say who touched a row, not what it belongs
    to); with `implied`, FK-like columns without a constraint count too."""
    where = {t: c.name for c in groups for t in c.tables}
    counts: Counter = Counter()
    for r in relationships(schema, implied, conv):
        if r.audit or r.child not in where or r.parent not in where:
            continue
        a, b = where[r.child], where[r.parent]
        if a != b:
            counts[tuple(sorted((a, b)))] += 1
    return dict(sorted(counts.items()))


def overview_dot(schema: Schema, cluster_href: str | None = "#{anchor}", **opts) -> str:
    """DOT of the cluster-level overview: one box per cluster (its hub, table count and next
    hubs), one line per pair of clusters with FKs between them, labelled and weighted by the
    FK count. A 375-table schema gives about 20 boxes: a diagram that fits one screen where
    the full ERD is a strip tens of thousands of points long.

    `cluster_href` links each box: a format string over the cluster's `slug` and `anchor`
    (default `#{anchor}`, the per-cluster diagram's id in a report); None for no links.
    Options as `to_dot` (`max_cluster`, `cluster`, `config`, `title`, `implied`).
    """
    o = _options(opts)
    groups = named_clusters(schema, o.max_cluster, "prefix" if o.cluster == "prefix" else "auto",
                            _selected(schema, o))
    links = cluster_links(schema, groups, o.conv, o.implied)
    g = graphviz.Graph("erd_overview", format="svg")
    # Top to bottom and no edge weights: left to right, or weighted by FK count, dot stretches
    # a 375-table overview to over 4000 px wide; this way it stays near 3000 x 2000.
    g.attr(rankdir="TB", nodesep="0.25", ranksep="0.6", fontname="Helvetica", fontsize="11",
           outputorder="edgesfirst")
    ntables = sum(len(c.tables) for c in groups)
    g.attr(label=o.title or f"{ntables} tables in {len(groups)} clusters; a line's number is "
                            "the FK count between two clusters", labelloc="t", fontsize="14")
    g.attr("node", shape="plaintext", fontname="Helvetica", fontsize="10", margin="0")
    g.attr("edge", fontname="Helvetica", fontsize="9", color="#6a7a8a")
    for i, c in enumerate(groups):
        fill = CLUSTER_FILLS[i % len(CLUSTER_FILLS)] if c.hub else "#ffffff"
        sub = f'<BR/><FONT POINT-SIZE="9" COLOR="{FAINT}">{_esc(", ".join(c.hubs))}</FONT>' if c.hubs else ""
        what = f"{len(c.tables)} tables" if c.hub else f"{len(c.tables)} tables, no FKs"
        label = (f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" STYLE="ROUNDED" '
                 f'BGCOLOR="{fill}" COLOR="#8aa0b8"><TR><TD><B>{_esc(c.name)}</B><BR/>'
                 f'<FONT POINT-SIZE="9">{what}</FONT>{sub}</TD></TR></TABLE>>')
        attrs = {"id": f"{o.id_prefix}overview-{c.slug}",
                 "tooltip": f"{c.label}: {', '.join(c.tables[:12])}{' ...' if len(c.tables) > 12 else ''}"}
        if cluster_href is not None:
            attrs.update(href=cluster_href.format(slug=c.slug, anchor=c.anchor), target="_top")
        g.node(c.name, label=label, **attrs)
    top = max(links.values(), default=1)
    for (a, b), n in links.items():
        g.edge(a, b, label=str(n), penwidth=f"{0.8 + 3.2 * math.log1p(n) / math.log1p(top):.2f}",
               id=f"{o.id_prefix}overview-{a}--{b}", tooltip=f"{a} - {b}: {n} FKs")
    return g.source


def overview_svg(schema: Schema, cluster_href: str | None = "#{anchor}", **opts) -> str:
    """Inline SVG of `overview_dot`."""
    return _clean_svg(_run_dot(overview_dot(schema, cluster_href, **opts), "svg").decode("utf-8"))


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) of a Graphviz SVG in CSS pixels (Graphviz writes points: 1 pt = 4/3 px)."""
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)(pt|px)?"[^>]*\sheight="([\d.]+)(pt|px)?"', svg)
    if not m:
        raise ValueError("no width/height on the <svg> element")
    scale = 4 / 3 if (m.group(2) or "pt") == "pt" else 1.0
    return float(m.group(1)) * scale, float(m.group(3)) * scale


# -- Mermaid -------------------------------------------------------------------------------

def _mm_ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name) if re.match(r"[A-Za-z]", name) else "t_" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _mm_type(type_: str) -> str:
    """Mermaid attribute types: a letter then letters/digits/_/-; `NUMERIC(12,2)` -> `NUMERIC_12_2`."""
    t = type_.replace("[]", "_array")
    t = re.sub(r"[^A-Za-z0-9_-]+", "_", t).strip("_")
    return t if re.match(r"[A-Za-z]", t or "") else "t_" + (t or "unknown")


def to_mermaid(schema: Schema, **opts) -> str:
    """Mermaid `erDiagram` text (GitHub renders it in Markdown ```mermaid blocks).

    Relationship lines read parent-to-child: `users ||--o{ posts : "user_id"`; nullable FK ->
    `|o` on the parent side, unique FK -> `o|` on the child side; implied relationships use the
    dotted `..` line. Audit references are left out unless `audit_edges=True`, like the SVG.
    With `tables=` and `context=True`, FKs to tables outside the selection are kept: those
    tables appear as entities without attributes.
    """
    o = _options(opts)
    names = _selected(schema, o)
    selected = set(names)
    rels = [r for r in relationships(schema, o.implied, o.conv)
            if (r.child in selected and r.parent in selected)
            or (o.context and o.tables is not None and not r.audit
                and (r.child in selected or r.parent in selected))]
    draw_audit = o.audit_edges
    implied_cols: dict[str, set[str]] = defaultdict(set)
    for r in rels:
        if r.kind == "implied":
            implied_cols[r.child].update(r.columns)
    lines = ["erDiagram"]
    if o.title:
        lines.insert(0, f"---\ntitle: {o.title}\n---")
    for name in names:
        t = schema.tables[name]
        pk, fk, uq = _key_sets(t)
        lines.append(f"    {_mm_ident(name)} {{")
        for c in _visible_columns(t, o.compact, implied_cols[name]):
            keys = [k for k, s in (("PK", pk), ("FK", fk), ("UK", uq)) if c.name in s]
            notes = []
            if not c.nullable and c.name not in pk:
                notes.append("NOT NULL")
            if c.name in implied_cols[name]:
                notes.append("implied FK")
            if _is_faint(c.name, o.conv):
                notes.append("soft delete" if c.name in o.conv.soft_delete_columns else "audit")
            line = f"        {_mm_type(c.type)} {_mm_ident(c.name)}"
            if keys:
                line += " " + ", ".join(keys)
            if notes:
                line += ' "' + ", ".join(notes).replace('"', "'") + '"'
            lines.append(line)
        lines.append("    }")
    for r in sorted(rels, key=lambda r: (r.parent, r.child, r.columns)):
        if r.audit and not draw_audit:
            continue
        left = "|o" if r.nullable else "||"
        right = "o|" if r.unique else "o{"
        line = ".." if r.kind == "implied" else "--"
        label = ", ".join(r.columns) + (" (implied)" if r.kind == "implied" else "")
        lines.append(f'    {_mm_ident(r.parent)} {left}{line}{right} {_mm_ident(r.child)} : "{label}"')
    return "\n".join(lines) + "\n"


# -- one table's neighbourhood -------------------------------------------------------------

def neighbourhood_dot(schema: Schema, table: str, degree: int = 1, **opts) -> str:
    """DOT of `table` and every table within `degree` FK hops of it (both directions).

    Drawn without legend or clusters, boxes linked to `#table-NAME`, SVG ids prefixed
    `erd-TABLE-` so one page can hold a neighbourhood per table. Other options as `to_dot`."""
    name = resolve_table(schema, table)
    opts = {"legend": False, "cluster": "none", "id_prefix": f"erd-{name}-", **opts}
    return to_dot(schema, around=name, depth=degree, **opts)


def neighbourhood_svg(schema: Schema, table: str, degree: int = 1, **opts) -> str:
    """Inline SVG of `neighbourhood_dot`: the diagram for a table's own page in the report.
    For many tables, `neighbourhood_svgs` is several times faster."""
    return _clean_svg(_run_dot(neighbourhood_dot(schema, table, degree, **opts), "svg").decode("utf-8"))


def neighbourhood_svgs(schema: Schema, tables: list[str] | None = None, degree: int = 1,
                       **opts) -> dict[str, str]:
    """{table: `neighbourhood_svg(schema, table, degree)`} for `tables` (default: all), the
    same diagrams rendered by one `dot` process and one pass over the FKs: a page per table
    of a 375-table schema must not pay for 375 processes."""
    o = _options(opts)
    rels = relationships(schema, o.implied, o.conv)
    adj = _adjacency(schema, rels)
    names = [resolve_table(schema, t) for t in (tables if tables is not None else sorted(schema.tables))]
    if not names:
        return {}
    sources = []
    for name in names:
        per = _options({"legend": False, "cluster": "none", "id_prefix": f"erd-{name}-", **opts,
                        "tables": _within(adj, name, degree)})
        sources.append(_build_graph(schema, per, all_rels=rels).source)
    return dict(zip(names, _svgs(sources)))


def _svgs(sources: list[str]) -> list[str]:
    """Inline SVGs of several DOT graphs from one `dot` run (a process per graph costs more
    than the layout of a small one)."""
    if not sources:
        return []
    out = _run_dot("\n".join(sources), "svg").decode("utf-8")
    # dot names the n-th graph of a run `page0,n_graph0`; the single-graph name keeps the
    # output identical to a run of its own.
    svgs = [re.sub(r'<g id="page\d+,\d+_graph0"', '<g id="graph0"', _clean_svg(doc), count=1)
            for doc in re.split(r"(?=<\?xml )", out) if doc.strip()]
    if len(svgs) != len(sources):  # pragma: no cover - dot writes one document per graph
        raise RuntimeError(f"dot returned {len(svgs)} SVGs for {len(sources)} graphs")
    return svgs


# -- viewpoints ----------------------------------------------------------------------------

CONFIG_KEYS = ("viewpoints", "max_cluster")  # the keys of `[erd]` in dbdesign.toml


def viewpoints(schema: Schema, config: Any = None) -> dict[str, list[str]]:
    """Curated groups from `[erd.viewpoints]` in dbdesign.toml, each matched against the
    schema: `billing = ["invoice*", "payment"]` -> {"billing": [tables]}.

    A pattern is a shell wildcard (`*`, `?`) matched against the table's qualified and bare
    name. A viewpoint that matches no table maps to an empty list (the writer says so) rather
    than failing: the config may name tables of a schema version not yet written."""
    section = (getattr(config, "extra", None) or {}).get("erd") or {}
    out: dict[str, list[str]] = {}
    for name, patterns in (section.get("viewpoints") or {}).items():
        out[name] = sorted(t for t in schema.tables for p in patterns
                           if fnmatch.fnmatchcase(t, p) or fnmatch.fnmatchcase(t.rsplit(".", 1)[-1], p))
        out[name] = sorted(set(out[name]))
    return out


def _config_max_cluster(config: Any) -> int | None:
    section = (getattr(config, "extra", None) or {}).get("erd") or {}
    return section.get("max_cluster")


# -- Mermaid limits ------------------------------------------------------------------------

# Mermaid's defaults, which GitHub keeps: a diagram over either is not drawn ("Maximum text
# size in diagram exceeded" / "Too many edges"). https://mermaid.js.org/config/schema-docs/config.html
MERMAID_MAX_TEXT = 50_000
MERMAID_MAX_EDGES = 500


def _mermaid_edges(text: str) -> int:
    return sum(1 for line in text.splitlines() if re.match(r"^    \S+ \S+(--|\.\.)\S+ \S+ : ", line))


def mermaid_fits(text: str) -> bool:
    """Whether GitHub (Mermaid's default limits) will draw `text`."""
    return len(text) <= MERMAID_MAX_TEXT and _mermaid_edges(text) <= MERMAID_MAX_EDGES


def _mermaid_overview(groups: list[Cluster], links: dict[tuple[str, str], int], files: dict[str, str],
                      note: str) -> str:
    ident = {c.name: "c_" + _mm_ident(c.name) for c in groups}
    lines = ["---", f"title: {note}", "---", "flowchart TB"]
    for c in groups:
        lines.append(f'    {ident[c.name]}["{c.name}<br/>{len(c.tables)} tables: {files[c.name]}"]')
    for (a, b), n in links.items():
        lines.append(f'    {ident[a]} ---|"{n} FK"| {ident[b]}')
    return "\n".join(lines) + "\n"


def mermaid_files(schema: Schema, stem: str = "erd", **opts) -> tuple[dict[str, str], str | None]:
    """({file name: Mermaid text}, note): `{stem}.mmd` alone when GitHub can draw the whole
    diagram, else split per cluster.

    Over Mermaid's default 50,000 characters or 500 relationships, `{stem}.mmd` becomes an
    overview (a flowchart of the clusters with FK counts, titled with the note) and each
    cluster gets `{stem}-{cluster}.mmd` (its tables, plus FKs to neighbouring clusters); a
    cluster still over the limits is written with key columns only. The note says so; None
    when no split was needed."""
    o = _options(opts)
    whole = to_mermaid(schema, **opts)
    if mermaid_fits(whole) or o.tables is not None or o.around is not None:
        return {f"{stem}.mmd": whole}, None
    groups = named_clusters(schema, o.max_cluster, "prefix" if o.cluster == "prefix" else "auto")
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    compacted = []
    for c in groups:
        fname = f"{stem}-{c.slug}.mmd"
        per = {**opts, "tables": list(c.tables), "context": True, "title": f"{c.label}"}
        text = to_mermaid(schema, **per)
        if not mermaid_fits(text):
            text = to_mermaid(schema, **{**per, "compact": True})
            compacted.append(c.name)
        files[fname] = text
        names[c.name] = fname
    note = (f"{len(schema.tables)} tables: the whole diagram ({len(whole):,} characters, "
            f"{_mermaid_edges(whole)} relationships) is over GitHub's Mermaid limits "
            f"({MERMAID_MAX_TEXT:,} characters, {MERMAID_MAX_EDGES} relationships), so it is split "
            f"into {len(groups)} per-cluster files")
    if compacted:
        note += f"; keys only in {', '.join(compacted)}"
    index = _mermaid_overview(groups, cluster_links(schema, groups, o.conv, o.implied), names, note)
    return {f"{stem}.mmd": index, **files}, note


# -- the set of diagrams for a large schema ------------------------------------------------

@dataclass
class ErdFile:
    """One written diagram: its path and what it shows."""
    path: str
    what: str


def is_large(schema: Schema, **opts) -> bool:
    """Whether the schema gets an overview plus per-cluster diagrams instead of one diagram:
    more tables than `max_cluster`, clustering on, no `around=` or `tables=` selection."""
    o = _options(opts)
    return (o.cluster != "none" and o.around is None and o.tables is None
            and len(schema.tables) > o.max_cluster)


def cluster_dot(schema: Schema, group: Cluster, **opts) -> str:
    """DOT of one cluster's diagram: its tables, the tables they reference elsewhere (and
    those referencing them) as linked name boxes, crowded ranks staggered (`CLUSTER_STAGGER`)
    so the diagram is near square rather than a strip."""
    per = {**opts, "tables": list(group.tables), "context": True, "title": group.label, "cluster": "none"}
    per.setdefault("stagger", CLUSTER_STAGGER)
    return to_dot(schema, **per)


def page_html(schema: Schema, **opts) -> str:
    """The ERD as one HTML block for the report page. A schema of at most `max_cluster` tables
    (or `cluster="none"`): the one diagram. A larger one: the cluster overview (each box links
    to its cluster's diagram), then one folded diagram per cluster (`<details id="erd-cluster-
    SLUG">`), each SVG with its own id prefix so the ids stay unique on the page and table
    boxes still link to `#table-NAME`."""
    import html as _html
    o = _options(opts)
    if "max_cluster" not in opts and _config_max_cluster(o.config):
        opts = {**opts, "max_cluster": _config_max_cluster(o.config)}
        o = _options(opts)
    if not is_large(schema, **opts):
        return f'<div class="dbdesign-erd">{to_svg(schema, **opts)}</div>'
    groups = named_clusters(schema, o.max_cluster, "prefix" if o.cluster == "prefix" else "auto")
    dots = [overview_dot(schema, "#{anchor}", **opts)]
    dots += [cluster_dot(schema, c, **{**opts, "id_prefix": f"erd-{c.slug}-", "legend": False}) for c in groups]
    svgs = _svgs(dots)
    parts = [f'<div class="dbdesign-erd dbdesign-erd-overview">{svgs[0]}</div>',
             f"<p>{len(schema.tables)} tables in {len(groups)} clusters: the overview above links to one "
             "diagram per cluster below; each table box links to the table's section.</p>"]
    for c, svg in zip(groups, svgs[1:]):
        parts.append(f'<details class="dbdesign-fold" id="{_html.escape(c.anchor)}"><summary><b>'
                     f'{_html.escape(c.label)}</b></summary><div class="dbdesign-erd">{svg}</div></details>')
    return "".join(parts)


def render_set(schema: Schema, path: str, **opts) -> list[ErdFile]:
    """Write the ERD set for `path` (.svg .png .dot .mmd .dbml) and return what was written.

    A schema of at most `max_cluster` tables (or `cluster="none"`) gets the one diagram of
    `render`. A larger one gets, next to `path`: `path` itself as the cluster overview
    (`overview_dot`), `{stem}-{cluster}{ext}` per cluster (its tables, plus the tables they
    reference elsewhere as linked name boxes), and `{stem}-viewpoint-{name}{ext}` per
    viewpoint of `[erd.viewpoints]`. Mermaid is split only past GitHub's limits
    (`mermaid_files`); DBML stays one file (dbdiagram.io takes any size).
    """
    ext = Path(path).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise InputError(f"unsupported ERD output {ext or '(no extension)'!r}; use one of "
                         f"{', '.join(SUPPORTED_EXTENSIONS)}", path)
    o = _options(opts)
    if "max_cluster" not in opts and _config_max_cluster(o.config):
        opts = {**opts, "max_cluster": _config_max_cluster(o.config)}
        o = _options(opts)
    folder, stem = os.path.dirname(path), Path(path).stem
    def at(name: str) -> str:
        return os.path.join(folder, name)
    planned: list[tuple[str, Any, str]] = []  # (path, str|bytes producer, what)
    views = {} if o.around is not None or o.tables is not None else viewpoints(schema, o.config)
    if ext == ".mmd":
        files, note = mermaid_files(schema, stem, **opts)
        for i, (fname, text) in enumerate(files.items()):
            what = ("ERD (Mermaid)" if note is None else
                    "cluster overview (Mermaid; " + note + ")" if i == 0 else "cluster (Mermaid)")
            planned.append((at(fname), text, what))
    elif ext == ".dbml" or not is_large(schema, **opts):
        planned.append((path, None, "ERD"))
    else:
        groups = named_clusters(schema, o.max_cluster, "prefix" if o.cluster == "prefix" else "auto")
        href = "{stem}-{{slug}}{ext}".format(stem=stem, ext=ext) if ext == ".svg" else None
        planned.append((path, ("dot", overview_dot(schema, href, **opts)),
                        f"cluster overview: {len(groups)} clusters, {len(schema.tables)} tables"))
        for c in groups:
            planned.append((at(f"{stem}-{c.slug}{ext}"), ("dot", cluster_dot(schema, c, **opts)),
                            f"cluster {c.label}"))
    for vname, tables in views.items():
        if not tables:
            planned.append((None, None, f"viewpoint {vname}: matches no table, not drawn"))
            continue
        vslug = re.sub(r"[^A-Za-z0-9_.-]", "_", vname)
        per = {**opts, "tables": tables, "context": True, "title": f"viewpoint {vname} ({len(tables)} tables)",
               "cluster": "none"}
        target = at(f"{stem}-viewpoint-{vslug}{ext}")
        if ext == ".mmd":
            planned.append((target, to_mermaid(schema, **per), f"viewpoint {vname} (Mermaid)"))
        elif ext == ".dbml":
            planned.append((target, to_dbml(schema, **per), f"viewpoint {vname} (DBML)"))
        else:
            planned.append((target, ("dot", to_dot(schema, **per)), f"viewpoint {vname}"))
    # Render everything before writing anything: a failure leaves no half-written set.
    ready: list[tuple[str | None, str | bytes | None, str]] = []
    dot_sources = [d[1] for _, d, _ in planned if isinstance(d, tuple)]
    rendered = iter(_svgs(dot_sources) if ext == ".svg" else [])
    for target, data, what in planned:
        if target is None:
            ready.append((None, None, what))
        elif data is None:
            ready.append((target, None, what))
        elif isinstance(data, tuple):
            src = data[1]
            ready.append((target, src if ext == ".dot" else next(rendered) if ext == ".svg" else
                          _run_dot(src, ext[1:]), what))
        else:
            ready.append((target, data, what))
    written: list[ErdFile] = []
    for target, data, what in ready:
        if target is None:
            written.append(ErdFile("", what))
        elif data is None:
            written.append(ErdFile(render(schema, target, **opts), what))
        else:
            written.append(ErdFile(_save(target, data), what))
    return written


# -- DBML ----------------------------------------------------------------------------------

def _dbml_name(name: str) -> str:
    parts = name.split(".")
    return ".".join(p if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) else f'"{p}"' for p in parts)


def _dbml_str(s: str) -> str:
    if "\n" in s:
        return "'''" + s.replace("'''", "\\'''") + "'''"
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _dbml_type(type_: str, enums: set[str] = frozenset()) -> str:
    """Lower case (dbdiagram copies a type verbatim into its SQL export, and PostgreSQL
    rejects a quoted "VARCHAR(63)"); a user-defined enum keeps its name."""
    if type_ not in enums:
        type_ = type_.lower()
    return type_ if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\([0-9, ]+\))?(\[\])?", type_) else f'"{type_}"'


def _dbml_default(d: str) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?", d) or d.lower() in ("true", "false", "null"):
        return d.lower() if d.lower() in ("true", "false", "null") else d
    if re.fullmatch(r"'(?:[^']|'')*'", d):
        return _dbml_str(d[1:-1].replace("''", "'"))
    return f"`{d}`"


def to_dbml(schema: Schema, **opts) -> str:
    """DBML for dbdiagram.io: Enums, Tables (columns, indexes block, notes) and Refs.

    CHECKs go into a `checks {}` block. DBML has no partial index: a partial unique index is
    written as a plain index with a note, never as a full `unique` (which would make a
    soft-deleted row's value unusable forever); other WHEREs go into the index note. Implied
    relationships become `//` comments. A `Project` block names the database type.
    """
    o = _options(opts)
    names = _selected(schema, o)
    selected = set(names)
    enums = set(schema.enums)
    out: list[str] = ["Project schema {", "  database_type: 'PostgreSQL'", "}\n"]
    if o.title:
        out.append(f"// {o.title}")
    for e in schema.enums.values():
        out.append(f"Enum {_dbml_name(e.name)} {{")
        out.extend(f"  {_dbml_str(v).replace(chr(39), chr(34)) if not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', v) else v}"
                   for v in e.values)
        out.append("}\n")
    for name in names:
        t = schema.tables[name]
        pk, _, uq = _key_sets(t)
        single_pk = len(pk) == 1
        out.append(f"Table {_dbml_name(name)} {{")
        for c in _visible_columns(t, o.compact, set()):
            settings = []
            if single_pk and c.name in pk:
                settings.append("pk")
            if c.identity:
                settings.append("increment")
            if not c.nullable and not (single_pk and c.name in pk):
                settings.append("not null")
            if c.name in uq and any(u.columns == [c.name] for u in t.uniques):
                settings.append("unique")
            if c.default is not None:
                settings.append(f"default: {_dbml_default(c.default)}")
            if c.comment:
                settings.append(f"note: {_dbml_str(c.comment)}")
            s = f" [{', '.join(settings)}]" if settings else ""
            out.append(f"  {_dbml_name(c.name)} {_dbml_type(c.type, enums)}{s}")
        idx_lines = []
        if t.primary_key and len(t.primary_key.columns) > 1:
            idx_lines.append(f"    ({', '.join(t.primary_key.columns)}) [pk]")
        for u in t.uniques:
            if len(u.columns) > 1:
                nm = f", name: {_dbml_str(u.name)}" if u.name else ""
                idx_lines.append(f"    ({', '.join(u.columns)}) [unique{nm}]")
        for ix in t.indexes if not o.compact else []:
            parts = [c.column if c.column is not None else f"`{c.expression}`" for c in ix.columns]
            cols = parts[0] if len(parts) == 1 and ix.columns[0].column else f"({', '.join(parts)})"
            settings = [f"name: {_dbml_str(ix.name)}"]
            if ix.unique and not ix.where:
                settings.append("unique")
            if ix.method in ("btree", "hash"):
                settings.append(f"type: {ix.method}")
            notes = []
            if ix.where:
                notes.append(f"{'UNIQUE only among rows' if ix.unique else 'partial:'} WHERE {ix.where}"
                             + (" (partial unique index: DBML cannot hold it, so it is not marked unique)"
                                if ix.unique else ""))
            if ix.method and ix.method not in ("btree", "hash"):
                notes.append(f"USING {ix.method}")
            if ix.include:
                notes.append(f"INCLUDE ({', '.join(ix.include)})")
            if any(c.desc for c in ix.columns):
                notes.append("DESC: " + ", ".join(c.label for c in ix.columns if c.desc))
            if ix.comment:
                notes.append(ix.comment)
            if notes:
                settings.append(f"note: {_dbml_str('; '.join(notes))}")
            idx_lines.append(f"    {cols} [{', '.join(settings)}]")
        if idx_lines:
            out.append("")
            out.append("  indexes {")
            out.extend(idx_lines)
            out.append("  }")
        if t.checks:
            out.append("")
            out.append("  checks {")
            out.extend(f"    `{c.expression}`" + (f" [name: {_dbml_str(c.name)}]" if c.name else "")
                       for c in t.checks)
            out.append("  }")
        note = [t.comment] if t.comment else []
        if note:
            out.append("")
            out.append(f"  Note: {_dbml_str(chr(10).join(note)) if len(note) > 1 else _dbml_str(note[0])}")
        out.append("}\n")
    for r in sorted(relationships(schema, o.implied, o.conv), key=lambda r: (r.child, r.columns, r.parent)):
        if r.child not in selected or r.parent not in selected:
            continue
        cols = r.columns[0] if len(r.columns) == 1 else f"({', '.join(r.columns)})"
        refs = r.ref_columns[0] if len(r.ref_columns) == 1 else f"({', '.join(r.ref_columns)})"
        op = "-" if r.unique else ">"
        settings = [f"{k}: {v.lower()}" for k, v in (("delete", r.on_delete), ("update", r.on_update)) if v]
        s = f" [{', '.join(settings)}]" if settings else ""
        line = f"Ref{' ' + _dbml_name(r.name) if r.name else ''}: {_dbml_name(r.child)}.{cols} {op} {_dbml_name(r.parent)}.{refs}{s}"
        out.append(line if r.kind == "fk" else f"// implied (no FK constraint): {line}")
    return "\n".join(out).rstrip() + "\n"


# -- diff ----------------------------------------------------------------------------------

def _column_sig(c: Column) -> tuple:
    return (c.type.upper(), c.nullable, c.default, c.identity, c.generated)


@dataclass
class ErdDiff:
    """What changed between two schema versions, as the diagram colours it."""
    tables: dict[str, str] = field(default_factory=dict)  # name -> added|removed|changed
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> status
    relationships: dict[str, str] = field(default_factory=dict)  # Relationship.key -> status


def erd_diff(before: Schema, after: Schema) -> ErdDiff:
    """Table/column/relationship differences between two models.

    Uses `dbdesign.schema.diff.diff` (canonical types, defaults, constraints) when that module is
    present, else a direct comparison of the two models; FK edges are matched by
    child/columns/parent either way, so a renamed constraint is not drawn as a new edge.
    """
    d = ErdDiff()
    rb = {r.key for r in relationships(before, implied=False)}
    ra = {r.key for r in relationships(after, implied=False)}
    for k in ra - rb:
        d.relationships[k] = "added"
    for k in rb - ra:
        d.relationships[k] = "removed"
    from dbdesign.schema.diff import diff as schema_diff
    for c in schema_diff(before, after).changes:
        table = c.table or (c.name if c.object_type == "table" else None)
        if table is None:
            continue
        if c.object_type == "table":
            d.tables[table] = c.action
            src = after if c.action == "added" else before
            d.columns[table] = {col: c.action for col in src.tables[table].columns}
        elif d.tables.get(table) not in ("added", "removed"):
            d.tables[table] = "changed"
            if c.object_type == "column":
                d.columns.setdefault(table, {})[c.name] = c.action
    for k in d.relationships:
        child = k.split("(", 1)[0]
        if child not in d.tables:
            d.tables[child] = "changed"
    d.tables = dict(sorted(d.tables.items()))
    return d


def _union_schema(before: Schema, after: Schema) -> tuple[Schema, list[Relationship]]:
    """`after`, plus removed tables and columns from `before` so they can be drawn in red."""
    import copy
    merged = copy.deepcopy(after)
    for name, tb in before.tables.items():
        if name not in merged.tables:
            merged.tables[name] = copy.deepcopy(tb)
            continue
        ta = merged.tables[name]
        for cname, col in tb.columns.items():
            if cname not in ta.columns:
                ta.columns[cname] = copy.deepcopy(col)
    ra = {r.key for r in relationships(after, implied=False)}
    removed = [r for r in relationships(before, implied=False) if r.key not in ra
               and r.child in after.tables and r.parent in after.tables]
    return merged, removed


def diff_dot(before: Schema, after: Schema, **opts) -> str:
    """DOT of `after` with changes since `before` coloured: added green, removed red, changed
    amber (tables, columns and FK edges), with a legend. Options as `to_dot`."""
    o = _options(opts)
    d = erd_diff(before, after)
    merged, removed_rels = _union_schema(before, after)
    return _build_graph(merged, o, d.tables, d.columns, d.relationships, removed_rels).source


def diff_svg(before: Schema, after: Schema, **opts) -> str:
    """Inline SVG of the diff view (see `diff_dot`)."""
    return _clean_svg(_run_dot(diff_dot(before, after, **opts), "svg").decode("utf-8"))


def render_diff(before: Schema, after: Schema, path: str, **opts) -> str:
    """Write the diff diagram to `path` (.svg, .png or .dot); returns the path."""
    ext = Path(path).suffix.lower()
    if ext not in (".svg", ".png", ".dot"):
        raise InputError(f"unsupported diff output {ext or '(none)'!r}; use .svg, .png or .dot", path)
    return _write(diff_dot(before, after, **opts), path, ext)


# -- files ---------------------------------------------------------------------------------

def _save(path: str, data: str | bytes) -> str:
    """Write `data` to `path`; a folder that is missing or not writable is bad input (one line,
    exit 2), not a traceback."""
    try:
        if isinstance(data, bytes):
            Path(path).write_bytes(data)
        else:
            Path(path).write_text(data, encoding="utf-8")
    except OSError as err:
        folder = os.path.dirname(os.path.abspath(path))
        why = err.strerror or type(err).__name__
        raise InputError(f"{why}: cannot write the ERD; check that {folder} exists and is "
                         "writable, or choose another -o path", path) from None
    return str(path)


def _write(dot_source: str, path: str, ext: str) -> str:
    if ext == ".dot":
        return _save(path, dot_source)
    if ext == ".svg":
        return _save(path, _clean_svg(_run_dot(dot_source, "svg").decode("utf-8")))
    return _save(path, _run_dot(dot_source, ext[1:]))


def render(schema: Schema, path: str, **opts) -> str:
    """Write the ERD to `path`, format chosen by extension: .svg .png .dot .mmd .dbml."""
    ext = Path(path).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise InputError(f"unsupported ERD output {ext or '(no extension)'!r}; use one of "
                         f"{', '.join(SUPPORTED_EXTENSIONS)}", path)
    if ext == ".mmd":
        return _save(path, to_mermaid(schema, **opts))
    if ext == ".dbml":
        return _save(path, to_dbml(schema, **opts))
    return _write(to_dot(schema, **opts), path, ext)


__all__ = ["Relationship", "ErdOptions", "ErdDiff", "Cluster", "ErdFile", "relationships",
           "neighbourhood", "neighbourhood_dot", "neighbourhood_svg", "neighbourhood_svgs", "clusters", "named_clusters",
           "cluster_links", "overview_dot", "overview_svg", "svg_size", "table_anchor", "viewpoints",
           "mermaid_files", "mermaid_fits", "is_large", "render_set", "MERMAID_MAX_TEXT",
           "MERMAID_MAX_EDGES", "CONFIG_KEYS",
           "resolve_table", "to_dot", "to_svg", "to_mermaid", "to_dbml", "render", "diff_dot",
           "render_diff", "erd_diff", "SUPPORTED_EXTENSIONS"]
