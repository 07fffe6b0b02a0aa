"""ERD benchmark: the diagram set of a large schema, and how big its overview renders.

Two inputs:
- a 300-table synthetic schema (seeded): the clustered single SVG (bar: < 10 s, clusters <= 40
  tables) and how well the FK clusters recover the generator's modules;
- MusicBrainz (375 tables, `../shared/corpus`, see SOURCES.md) when the corpus is present:
  time to build every ERD a report needs (the cluster overview, one diagram per cluster, the
  Mermaid set and a 1-degree neighbourhood per table), and the overview's rendered size
  (bar: at most 4000 px on its long side), and the per-cluster diagrams' long side and aspect
  with and without staggering crowded ranks (`erd.CLUSTER_STAGGER`). The whole report of 375
  tables must build in under 2 minutes, so the ERDs are held to a quarter of that: 30 s; with
  --report the whole report (`build_report`, every chapter notebook) is built and timed too.

Timings are wall clock and CPU (this process plus the `dot` processes it waited for), with
the load average, since the machine is shared. Writes data/results/erd.json.
Run: .venv/bin/python benchmarks/bench_erd.py [--tables 300] [--seed 0] [--svg out.svg] [--report]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lib"))

from dbdesign.review import erd  # noqa: E402
from dbdesign.schema.parse import parse_sql  # noqa: E402
from dbdesign.schema.source import load_source  # noqa: E402
from dbdesign.schema.synth import synthetic_ddl  # noqa: E402

TARGET_SECONDS = 10.0
LARGE_CORPUS = REPO.parent / "shared" / "corpus" / "musicbrainz-combined.sql"
LARGE_TARGET_SECONDS = 30.0  # a quarter of the report's 2-minute bar
REPORT_TARGET_SECONDS = 120.0
OVERVIEW_MAX_PX = 4000


def _clock() -> tuple[float, float]:
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + child.ru_utime + child.ru_stime


def _timed(fn, *args, **kwargs):
    w0, c0 = _clock()
    out = fn(*args, **kwargs)
    w1, c1 = _clock()
    return out, {"wall": round(w1 - w0, 3), "cpu": round(c1 - c0, 3)}


def synthetic(tables: int, seed: int) -> dict:
    ddl, t_gen = _timed(synthetic_ddl, tables, seed)
    schema, t_parse = _timed(parse_sql, ddl)
    groups, t_cluster = _timed(erd.clusters, schema)
    prefix_groups = erd.clusters(schema, method="prefix")
    svg, t_svg = _timed(erd.to_svg, schema)  # cluster="auto": clustered past 40 tables
    svg_compact, t_svg_compact = _timed(erd.to_svg, schema, compact=True)
    _, t_mermaid = _timed(erd.to_mermaid, schema)
    _, t_dbml = _timed(erd.to_dbml, schema)
    agree = sum(max(Counter(t.split("_")[0] for t in g).values()) for g in groups)
    return {
        "tables": len(schema.tables),
        "foreign_keys": sum(len(t.foreign_keys) for t in schema.tables.values()),
        "seed": seed,
        "seconds": {"generate_ddl": t_gen, "parse": t_parse, "cluster": t_cluster,
                    "svg_clustered": t_svg, "svg_clustered_compact": t_svg_compact,
                    "mermaid": t_mermaid, "dbml": t_dbml},
        "svg_bytes": len(svg.encode()),
        "svg_compact_bytes": len(svg_compact.encode()),
        "cluster_count": len(groups),
        "max_cluster_size": max(len(g) for g in groups),
        "cluster_sizes": [len(g) for g in groups],
        "cluster_module_agreement": round(agree / len(schema.tables), 3),
        "prefix_cluster_count": len(prefix_groups),
        "prefix_max_cluster_size": max(len(g) for g in prefix_groups),
        "target_seconds": TARGET_SECONDS,
        "meets_target": t_svg["wall"] < TARGET_SECONDS and max(len(g) for g in groups) <= 40,
        "_svg": svg,
    }


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def _shape(sizes: list[tuple[float, float]]) -> dict:
    """Long side (px) and aspect (long / short) of a set of diagrams: median and worst."""
    longs = sorted(max(w, h) for w, h in sizes)
    aspects = sorted(max(w, h) / min(w, h) for w, h in sizes)
    return {"long_side_px_median": round(longs[len(longs) // 2]), "long_side_px_max": round(longs[-1]),
            "aspect_median": round(aspects[len(aspects) // 2], 2), "aspect_max": round(aspects[-1], 2)}


def report(path: Path) -> dict:
    """The whole report of `path` (every chapter notebook, the outputs, the page), timed end to
    end, with the manifest's per-step seconds and the page's overview ERD size."""
    from bs4 import BeautifulSoup

    from dbdesign.review.report import build_report
    with tempfile.TemporaryDirectory() as tmp:
        (index, t) = _timed(build_report, os.path.join(tmp, "report"), source=str(path))
        manifest = json.loads(Path(tmp, "report", "manifest.json").read_text(encoding="utf-8"))
        page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
        svg = page.select_one(".dbdesign-erd-overview svg")
        px = [round(float(svg[k].removesuffix("pt")) * 4 / 3) for k in ("width", "height")] if svg else None
        erd_files = sorted(a for a in manifest["artifacts"] if a.startswith("erd"))
    return {"seconds": t, "target_seconds": REPORT_TARGET_SECONDS, "meets_target": t["wall"] < REPORT_TARGET_SECONDS,
            "chapters_seconds": {c["name"]: round(c["seconds"], 1) for c in manifest["chapters"]},
            "steps_seconds": manifest["steps_seconds"], "page_bytes": manifest["page_bytes"],
            "page_overview_erd_px": px, "erd_files": len(erd_files)}


def large(path: Path) -> dict:
    schema, t_parse = _timed(load_source, str(path))
    groups, t_cluster = _timed(erd.named_clusters, schema)
    w0, c0 = _clock()
    with tempfile.TemporaryDirectory() as tmp:
        svg_set, t_svg_set = _timed(erd.render_set, schema, os.path.join(tmp, "erd.svg"))
        mmd_set, t_mmd_set = _timed(erd.render_set, schema, os.path.join(tmp, "erd.mmd"))
        overview = Path(svg_set[0].path).read_text(encoding="utf-8")
        cluster_sizes = [erd.svg_size(Path(f.path).read_text(encoding="utf-8")) for f in svg_set[1:]]
        cluster_px = [max(sz) for sz in cluster_sizes]
        mmd_chars = [len(Path(f.path).read_text(encoding="utf-8")) for f in mmd_set]
    pages, t_pages = _timed(erd.neighbourhood_svgs, schema)
    w1, c1 = _clock()
    total = {"wall": round(w1 - w0, 3), "cpu": round(c1 - c0, 3)}
    width, height = erd.svg_size(overview)
    unstaggered = [erd.svg_size(s) for s in erd._svgs([erd.cluster_dot(schema, c, stagger=None) for c in groups])]
    png = erd._run_dot(erd.overview_dot(schema), "png")
    whole_mermaid = erd.to_mermaid(schema)
    return {
        "source": str(path.relative_to(REPO.parent)),
        "tables": len(schema.tables),
        "relationships": len(erd.relationships(schema)),
        "clusters": [{"name": c.name, "tables": len(c.tables)} for c in groups],
        "smallest_cluster": min(len(c.tables) for c in groups),
        "seconds": {"parse": t_parse, "cluster": t_cluster, "svg_set": t_svg_set,
                    "mermaid_set": t_mmd_set, "neighbourhoods_all_tables": t_pages,
                    "all_erds": total},
        "overview_px": {"svg_width": round(width), "svg_height": round(height),
                        "png": list(_png_size(png))},
        "overview_max_px": OVERVIEW_MAX_PX,
        "cluster_diagram_long_side_px": {"max": round(max(cluster_px)), "median":
                                         round(sorted(cluster_px)[len(cluster_px) // 2])},
        "cluster_diagrams": {"stagger": erd.CLUSTER_STAGGER, "staggered": _shape(cluster_sizes),
                             "unstaggered": _shape(unstaggered)},
        "svg_files": len(svg_set),
        "neighbourhood_svgs": len(pages),
        "mermaid": {"whole_chars": len(whole_mermaid), "files": len(mmd_set),
                    "largest_file_chars": max(mmd_chars), "limit_chars": erd.MERMAID_MAX_TEXT},
        "target_seconds": LARGE_TARGET_SECONDS,
        "meets_target": (total["wall"] < LARGE_TARGET_SECONDS
                         and max(width, height, *_png_size(png)) <= OVERVIEW_MAX_PX
                         and max(mmd_chars) <= erd.MERMAID_MAX_TEXT),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--svg", help="also write the synthetic schema's SVG here")
    ap.add_argument("--out", default=str(REPO / "data" / "results" / "erd.json"))
    ap.add_argument("--report", action="store_true", help="also build and time the whole report of the corpus schema")
    args = ap.parse_args()

    result = synthetic(args.tables, args.seed)
    svg = result.pop("_svg")
    result["large"] = (large(LARGE_CORPUS) if LARGE_CORPUS.exists()
                       else {"skipped": f"corpus not here: {LARGE_CORPUS}"})
    if args.report and LARGE_CORPUS.exists():
        result["large"]["report"] = report(LARGE_CORPUS)
    result.update({
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "graphviz": subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    })
    ok = (result["meets_target"] and result["large"].get("meets_target", True)
          and result["large"].get("report", {}).get("meets_target", True))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.svg:
        Path(args.svg).write_text(svg, encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
