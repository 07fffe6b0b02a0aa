"""Entity-relationship diagrams of a `Schema`: Graphviz (SVG/PNG/DOT), Mermaid, DBML, and a diff view.

Peers' diagrams (eralchemy, SchemaSpy) become unreadable past ~100 tables. Here a large schema
is laid out in clusters found from its FK graph (each at most `max_cluster` tables), a reviewer
can ask for the neighbourhood of one table (`around=`, `depth=`) or keys only (`compact=True`),
and the audit references every table makes to the users table (`created_by`/`updated_by`) are
drawn faint and ignored when grouping: they say who touched a row, not what the row belongs to.

Crow's-foot notation, parent on the left: the parent end is "exactly one" (tee-tee) or, when the
FK column is nullable, "zero or one" (tee-circle); the child end is "zero or many" (crow-circle)
or, when the FK columns are unique, "zero or one" (a 1:1 relationship). Implied relationships
(a column `{singular}_id` naming a table, with no FK constraint) are dashed.
"""
from __future__ import annotations

import difflib
import html
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
    adj = _adjacency(schema, relationships(schema))
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
    comm_of = {n: n for n in nodes}
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


def clusters(schema: Schema, max_size: int = DEFAULT_MAX_CLUSTER, method: str = "auto",
             tables: list[str] | None = None) -> list[list[str]]:
    """Partition tables into groups of at most `max_size`, every table in exactly one.

    `method="auto"`: communities of the FK graph (greedy modularity, capped); tables with no
    domain relationship are grouped by name prefix. `method="prefix"`: by name prefix
    (`billing_`, or the schema), a prefix larger than `max_size` split by FK connectivity.
    Sorted by size (largest first), then name, so output is stable.
    """
    if max_size < 1:
        raise InputError(f"max cluster size must be >= 1, got {max_size}")
    if method not in ("auto", "prefix"):
        raise InputError(f"unknown clustering method {method!r}; use auto or prefix")
    names = sorted(tables if tables is not None else schema.tables)
    adj = _adjacency(schema, relationships(schema))
    groups: list[list[str]] = []
    if method == "auto":
        connected = [n for n in names if any(nb in adj[n] for nb in names if nb != n)]
        connected_set = set(connected)
        groups = [g for g in _greedy_modularity(connected, adj, max_size) if len(g) > 1]
        leftovers = [n for n in names if n not in {m for g in groups for m in g}]
        # Singletons and isolated tables: grouped by prefix, so they still land near their kin.
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for n in leftovers:
            by_prefix[_prefix_of(n)].append(n)
        for _, ms in sorted(by_prefix.items()):
            for i in range(0, len(ms), max_size):
                groups.append(ms[i:i + max_size])
        del connected_set
    else:
        by_prefix = defaultdict(list)
        for n in names:
            by_prefix[_prefix_of(n)].append(n)
        for _, ms in sorted(by_prefix.items()):
            if len(ms) <= max_size:
                groups.append(ms)
                continue
            parts = _greedy_modularity(ms, adj, max_size)
            # Merge the small leftovers of a split prefix back together, still capped.
            parts.sort(key=lambda g: (-len(g), g[0]))
            merged: list[list[str]] = []
            for p in parts:
                for m in merged:
                    if len(m) + len(p) <= max_size and len(p) < 3:
                        m.extend(p)
                        break
                else:
                    merged.append(list(p))
            groups.extend(sorted(m) for m in merged)
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))


def _cluster_label(group: list[str]) -> str:
    prefixes = Counter(_prefix_of(n) or n for n in group)
    top = [p for p, _ in prefixes.most_common(2)]
    return f"{' / '.join(top)} ({len(group)} tables)"


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
    return sorted(schema.tables)


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
            f'<TR><TD ALIGN="LEFT">FK &#8594; users</TD><TD ALIGN="LEFT">audit reference (created_by/updated_by), '
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
                 extra_rels: list[Relationship] | None = None) -> graphviz.Digraph:
    status = status or {}
    col_status = col_status or {}
    rel_status = rel_status or {}
    names = _selected(schema, o)
    selected = set(names)
    rels = relationships(schema, implied=o.implied, conv=o.conv) + list(extra_rels or [])
    rels = [r for r in rels if r.child in selected and r.parent in selected]
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
        groups = clusters(schema, o.max_cluster, "auto" if o.cluster == "auto" else "prefix", names)
        clustered = True

    for i, group in enumerate(groups):
        target = g
        sub = None
        if clustered:
            sub = graphviz.Digraph(f"cluster_{i}")
            sub.attr(label=_cluster_label(group), style="rounded,filled",
                     fillcolor=CLUSTER_FILLS[i % len(CLUSTER_FILLS)], color="#c0c8d0",
                     fontsize="14", fontname="Helvetica-Bold")
            target = sub
        for name in group:
            t = schema.tables[name]
            target.node(name, label=_table_label(t, o, implied_cols[name], status.get(name),
                                                 col_status.get(name)),
                        id=f"table-{name}", tooltip=t.comment or name)
        if sub is not None:
            g.subgraph(sub)

    hidden_audit = 0
    for r in sorted(rels, key=lambda r: (r.child, r.columns, r.parent)):
        if r.audit and not draw_audit and r.key not in rel_status:
            hidden_audit += 1
            continue
        child_t, parent_t = schema.tables[r.child], schema.tables[r.parent]
        parent_end, child_end = _arrows(r)
        attrs = {"arrowtail": parent_end, "arrowhead": child_end, "id": _edge_id(r),
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
        if o.compact or not tail_port:
            tail_port = ""
        # Ports on the row's outer side: the crow's foot lands on the column, not inside it.
        g.edge(f"{r.parent}:{tail_port}e:e" if tail_port else r.parent,
               f"{r.child}:{head_port}w:w" if head_port else r.child, **attrs)
    if o.legend:
        g.node("__legend__", label=_legend(o, hidden_audit, diff=bool(status or col_status or rel_status)),
               id="legend")
    return g


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
    try:
        return graphviz.Source(source).pipe(format=fmt, engine="dot")
    except graphviz.ExecutableNotFound:
        raise InputError("Graphviz `dot` not found; install it (Debian: apt-get install graphviz)") from None
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as err:  # pragma: no cover
        raise InputError(f"Graphviz failed: {err}") from None


def _clean_svg(svg: str) -> str:
    """Inline-ready SVG: no XML prolog/doctype, no Graphviz version comment (stable output)."""
    svg = _PROLOG.sub("", svg)
    return re.sub(r"<!-- Generated by graphviz[^>]*-->\s*", "", svg)


def to_svg(schema: Schema, **opts) -> str:
    """SVG text for inline use in HTML reports (no XML prolog, no Graphviz version comment)."""
    return _clean_svg(_run_dot(to_dot(schema, **opts), "svg").decode("utf-8"))


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
    """
    o = _options(opts)
    names = _selected(schema, o)
    selected = set(names)
    rels = [r for r in relationships(schema, o.implied, o.conv) if r.child in selected and r.parent in selected]
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


__all__ = ["Relationship", "ErdOptions", "ErdDiff", "relationships", "neighbourhood", "clusters",
           "resolve_table", "to_dot", "to_svg", "to_mermaid", "to_dbml", "render", "diff_dot",
           "render_diff", "erd_diff", "SUPPORTED_EXTENSIONS"]
