"""Index playground: pick engine, scale, query and index set; see the captured plan and timing.

A thin widget over `bench.run_query` (which plans with `plans.explain` and times with
`bench.time_query`): the grid of (engine, scale, query, index set) is measured up front on
throw-away databases, so that the widget also works where Python is gone - the exported HTML
report. As in `explorer`, every panel is an HTML widget inside nested `Stack`s, and the four
pickers switch them with front-end links (`jslink`), so the html-manager shows a working
playground from the stored widget state alone. Where no widget manager runs, the display falls
back to a static HTML table of the whole grid.

Index sets per query: `keys only` (primary keys and UNIQUE constraints), each of the query's
candidate indexes alone, and `design` (the schema's own indexes, as the engine builds them).

    Playground(schema, data, engines=("sqlite", "duckdb"), scales=(2_000, 20_000))
    Playground.frame() -> DataFrame of every measured combination
"""
from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from typing import Any, Sequence

from dbdesign import engines as _engines
from dbdesign.lab import bench, datagen, workload
from dbdesign.errors import DbDesignError, InputError
from dbdesign.model import Schema

INDEX_SETS = ("keys only", "candidate 1", "candidate 2", "design")
_STYLE = ("<style>.dbdesign-pg td,.dbdesign-pg th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}"
          ".dbdesign-pg .sel{background:#fff7d6}</style>")


@dataclass
class Playground:
    """The measured grid plus the widget that browses it."""
    schema: Schema
    data: Any  # a datagen.Dataset, or {rows: Dataset}
    engines: Sequence[str] = ("sqlite", "duckdb")
    scales: Sequence[int] | None = None  # extra scales (rows of the largest table) to generate
    queries: Sequence[workload.Query] | None = None
    repeat: int = 5
    warmup: int = 2
    # An exploration grid, not the benchmark: shorter samples keep a 4-engine grid fast
    # (`make bench` measures with the stable defaults).
    min_sample_ms: float = 1.0
    seed: int = 42
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # engine -> why it is not in the grid

    def __post_init__(self) -> None:
        datasets = dict(self.data) if isinstance(self.data, dict) else {max(self.data.counts.values()): self.data}
        if not datasets:
            raise InputError("Playground needs generated data: pass datagen.generate(schema, rows)")
        first = next(iter(datasets.values()))
        for n in self.scales or ():
            if n not in datasets:
                datasets[n] = datagen.generate(self.schema, n, seed=self.seed, tables=first.tables, progress=False)
        self.datasets = dict(sorted(datasets.items()))
        qs = list(self.queries) if self.queries is not None else workload.derive(self.schema)
        self.query_list = [q for q in qs if all(t in first.counts for t in q.tables)]
        if not self.query_list:
            raise InputError("no query of the workload runs on the generated tables "
                             f"({', '.join(first.tables)})")
        for name in self.engines:
            _engines.engine_class(name)
        self.engine_list: list[str] = []
        for name in self.engines:
            try:
                for rows, data in self.datasets.items():
                    self.results.extend(self.measure(name, data, rows))
                self.engine_list.append(name)
            except DbDesignError as err:
                self.skipped[name] = str(err).splitlines()[0]
                self.results = [r for r in self.results if r["engine"] != name]
        if not self.engine_list:
            raise InputError("no engine could run the playground: " + "; ".join(f"{k}: {v}" for k, v in self.skipped.items()))
        self._widget = None

    # -- measuring (thin over bench) ---------------------------------------------------------
    def measure(self, engine_name: str, data, rows: int) -> list[dict[str, Any]]:
        """Every query with each index set on one engine at one scale: keys only, each
        candidate (built and dropped in turn), then the design's own indexes - one database,
        loaded once."""
        out: list[dict[str, Any]] = []
        with _engines.throwaway(engine_name) as eng:
            datagen.load(data, eng, indexes="none")
            overhead = bench.harness_overhead(eng)
            for q in self.query_list:
                for k, r in enumerate(bench.run_query(eng, data, q, self.schema, rows,
                                                      candidates=[c.name for c in q.candidates[:2]],
                                                      warmup=self.warmup, repeat=self.repeat,
                                                      min_sample_ms=self.min_sample_ms,
                                                      overhead=overhead)):
                    out.append({**r, "index_set": INDEX_SETS[k]})
            # the candidates are gone again: the design's indexes on the same rows
            datagen.add_indexes(eng, self.schema, data.tables)
            datagen.analyze_tables(eng, data.tables)
            for q in self.query_list:
                r = bench.run_query(eng, data, q, self.schema, rows, candidates=[],
                                    warmup=self.warmup, repeat=self.repeat,
                                    min_sample_ms=self.min_sample_ms, overhead=overhead)[0]
                out.append({**r, "index_set": "design", "index": "(the schema's indexes)",
                            "index_def": "the design's own indexes"})
        return out

    def result(self, engine: str, rows: int, query: str, index_set: str) -> dict[str, Any] | None:
        for r in self.results:
            if (r["engine"], r["rows"], r["query"], r["index_set"]) == (engine, rows, query, index_set):
                return r
        return None

    def frame(self):
        """Every measured combination (timings are volatile: read them as ratios)."""
        import pandas as pd
        cols = ["engine", "rows", "query", "index_set", "index", "available", "uses_index", "plan",
                "sort", "rows_examined", "median_ms", "p90_ms", "index_bytes"]
        df = pd.DataFrame(self.results)
        return df[[c for c in cols if c in df.columns]]

    # -- rendering -------------------------------------------------------------------------------
    def panel_html(self, engine: str, rows: int, query: str, index_set: str) -> str:
        """One combination: the index set, the plan the engine reported, the timing, and the
        other index sets of the same query beside it for comparison."""
        esc = _html.escape
        q = workload.get_query(query, self.query_list)
        parts = [f'<div class="dbdesign-pg" data-key="{esc(engine)}|{rows}|{esc(query)}|{esc(index_set)}">',
                 f"<p><b>{esc(query)}</b> on <b>{esc(engine)}</b>, {rows:,} rows - {esc(q.description)}</p>"]
        base = self.result(engine, rows, query, "keys only")
        rowsh = []
        for s in INDEX_SETS:  # the chosen set beside the baseline (all sets: static_html)
            r = self.result(engine, rows, query, s)
            if r is None or s not in ("keys only", index_set):
                continue
            cls = ' class="sel"' if s == index_set else ""
            if not r.get("available", True):
                rowsh.append(f"<tr{cls}><td>{esc(s)}</td><td>{esc(r.get('index_def') or '')}</td>"
                             f"<td colspan=4><em>not available: {esc(r.get('reason', ''))}</em></td></tr>")
                continue
            gain = (base["median_ms"] / r["median_ms"]) if base and base.get("median_ms") and r["median_ms"] else None
            rowsh.append(f"<tr{cls}><td>{esc(s)}</td><td>{esc(r.get('index_def') or 'primary keys only')}</td>"
                         f"<td>{'yes' if r['uses_index'] else 'no'}</td><td>{esc(r['plan'])}</td>"
                         f"<td>{r['median_ms']:.3f}</td><td>{f'{gain:.1f}x' if gain else ''}</td></tr>")
        parts.append("<table><thead><tr><th>index set</th><th>definition</th><th>uses index</th>"
                     "<th>plan (captured)</th><th>median ms</th><th>vs keys only</th></tr></thead><tbody>"
                     + "".join(rowsh) + "</tbody></table>")
        sel = self.result(engine, rows, query, index_set)
        if sel is None:
            parts.append(f"<p><em>{esc(query)} has no {esc(index_set)} (it has "
                         f"{len(q.candidates)} candidate index(es)).</em></p>")
        elif sel.get("available", True):
            parts.append(f"<p>SQL: <code>{esc(sel.get('sql', ''))}</code></p>")
        parts.append("</div>")
        return "".join(parts)

    @property
    def widget(self):
        """Four pickers, shared by nested Stacks of panels and linked in the browser."""
        if self._widget is None:
            import ipywidgets as w
            scales = list(self.datasets)
            qnames = [q.name for q in self.query_list]
            pick_e = w.Dropdown(options=self.engine_list, value=self.engine_list[0], description="Engine")
            pick_s = w.Dropdown(options=[(f"{n:,} rows", k) for k, n in enumerate(scales)], value=0,
                                description="Scale")
            pick_q = w.Dropdown(options=qnames, value=qnames[0], description="Query",
                                layout=w.Layout(width="360px"))
            pick_i = w.Dropdown(options=list(INDEX_SETS), value=INDEX_SETS[0], description="Indexes")
            links = []
            # one Layout and one style model shared by every panel: the stored widget state
            # (which the exported report carries) stays a fraction of its size
            lay, sty = w.Layout(), w.widgets.widget_string.HTMLStyle()

            def stack(children, picker, attr="index"):
                s = w.Stack(children, selected_index=0, layout=lay)
                links.append(w.jslink((picker, attr), (s, "selected_index")))
                return s

            by_engine = []
            for e in self.engine_list:
                by_scale = []
                for n in scales:
                    by_query = [stack([w.HTML(self.panel_html(e, n, qn, s), layout=lay, style=sty)
                                       for s in INDEX_SETS], pick_i)
                                for qn in qnames]
                    by_scale.append(stack(by_query, pick_q))
                by_engine.append(stack(by_scale, pick_s))
            view = stack(by_engine, pick_e)
            note = w.HTML(_STYLE + "<p>Pick an engine, a scale, a query and an index set: the plan is the one "
                          "the engine reported (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE), the timing the "
                          f"median of {self.repeat} runs. Works in the exported report too.</p>")
            self._links = links
            self._widget = w.VBox([note, w.HBox([pick_e, pick_s]), w.HBox([pick_q, pick_i]), view],
                                  layout=w.Layout(border="1px solid #ddd", padding="6px"))
            self._widget.add_class("dbdesign-playground")
        return self._widget

    def static_html(self) -> str:
        """The whole grid as tables, one collapsible section per engine and scale (the
        playground without a widget manager)."""
        esc = _html.escape
        parts = ['<div class="dbdesign-playground-static"><p><b>Index playground</b> (interactive in '
                 "JupyterLab and in the exported report)</p>"]
        k = 0
        for e in self.engine_list:
            for n in self.datasets:
                rows = []
                for qn in [q.name for q in self.query_list]:
                    for s in INDEX_SETS:
                        r = self.result(e, n, qn, s)
                        if r is None:
                            continue
                        if not r.get("available", True):
                            rows.append(f"<tr><td>{esc(qn)}</td><td>{esc(s)}</td><td colspan=3><em>not available"
                                        f"</em></td></tr>")
                            continue
                        rows.append(f"<tr><td>{esc(qn)}</td><td>{esc(s)}</td><td>{'yes' if r['uses_index'] else 'no'}"
                                    f"</td><td>{esc(r['plan'])}</td><td>{r['median_ms']:.3f}</td></tr>")
                parts.append(f"<details{' open' if k == 0 else ''}><summary><b>{esc(e)}</b>, {n:,} rows</summary>"
                             f'{_STYLE}<table class="dbdesign-pg"><thead><tr><th>query</th><th>index set</th>'
                             "<th>uses index</th><th>plan</th><th>median ms</th></tr></thead><tbody>"
                             + "".join(rows) + "</tbody></table></details>")
                k += 1
        for e, why in self.skipped.items():
            parts.append(f"<p><em>{esc(e)} not measured: {esc(why)}</em></p>")
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = (f"Playground({len(self.engine_list)} engines x {len(self.datasets)} scales x "
                                f"{len(self.query_list)} queries)")
        return bundle
