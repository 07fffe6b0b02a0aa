"""The review charts are drawn from the same frames as the tables: engines on one axis,
features (or constraint kinds) on the other, the worst outcome as the colour."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from dbdesign.lab import probe  # noqa: E402
from dbdesign.review import charts
from dbdesign.dialects import portability_frame  # noqa: E402
from dbdesign.schema.source import load_source  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def test_portability_heatmap_cells_follow_the_frame():
    frame = portability_frame(load_source(str(REPO / "migrations")))
    fig = charts.portability_heatmap(frame)
    ax = fig.axes[0]
    engines = [t.get_text() for t in ax.get_xticklabels()]
    features = [t.get_text() for t in ax.get_yticklabels()]
    assert set(engines) == set(frame["engine"]) and set(features) == set(frame["feature"])
    # worst rows first: a feature some engine drops comes before one only emulated
    assert features.index("partial index") < features.index("varchar length")
    counts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    row, col = features.index("fk action"), engines.index("duckdb")
    assert counts[(row, col)] == str(len(frame[(frame["feature"] == "fk action") & (frame["engine"] == "duckdb")]))


def test_probe_heatmap_counts_what_got_through():
    schema = load_source(str(REPO / "migrations"))
    result = probe.run_probe(schema, ["sqlite"])
    fig = charts.probe_heatmap(result)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["sqlite", "sqlite-nopragma"]
    texts = [t.get_text() for t in ax.texts]
    failed = [o for o in result.outcomes if o.engine == "sqlite-nopragma" and not o.ok and o.kind == "fk-orphan"]
    total = [o for o in result.outcomes if o.engine == "sqlite-nopragma" and o.kind == "fk-orphan"]
    assert f"{len(failed)} of {len(total)}" in texts
