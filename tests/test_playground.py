"""playground: the measured grid, front-end-linked pickers, and a static rendering."""
from __future__ import annotations

import pytest

from conftest import EXAMPLE_QUERIES
from dbdesign.lab import datagen, workload
from dbdesign.errors import InputError
from dbdesign.lab.playground import INDEX_SETS, Playground


@pytest.fixture(scope="module")
def grid(example_schema):
    data = datagen.generate(example_schema, 1500, tables=["users", "posts"], progress=False)
    qs = [workload.get_query("user-by-email", EXAMPLE_QUERIES), workload.get_query("posts-by-status-recent", EXAMPLE_QUERIES)]
    return Playground(example_schema, data, engines=("sqlite",), queries=qs, repeat=2, warmup=1)


def test_grid_covers_every_index_set(grid):
    df = grid.frame()
    assert set(df["query"]) == {"user-by-email", "posts-by-status-recent"}
    sets = df[df["query"] == "posts-by-status-recent"]["index_set"].tolist()
    assert sets == list(INDEX_SETS)
    r = grid.result("sqlite", 1500, "posts-by-status-recent", "candidate 2")
    assert r["uses_index"] and not r["sort"]  # from the captured plan
    assert grid.result("sqlite", 1500, "posts-by-status-recent", "keys only")["uses_index"] is False
    assert grid.result("sqlite", 1500, "posts-by-status-recent", "design")["index_names"] == \
        ["idx_posts_status_created_at"]


def test_widget_links_pickers_in_the_browser(grid):
    import ipywidgets as w
    box = grid.widget
    assert isinstance(box, w.VBox)
    # engine -> scale -> query -> index set: one jslink per Stack, no kernel callback needed
    assert len(grid._links) == 1 + 1 + 1 + 2  # engine, scale, query, one index-set stack per query
    bundle = grid._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "posts-by-status-recent" in bundle["text/html"] and "<table" in bundle["text/html"]


def test_panels_say_what_is_missing(grid):
    html = grid.panel_html("sqlite", 1500, "user-by-email", "candidate 2")
    assert "has no candidate 2" in html
    html = grid.panel_html("sqlite", 1500, "posts-by-status-recent", "candidate 2")
    assert "ix_posts_status_created_at" in html or "(status, created_at DESC)" in html


def test_bad_engine(example_schema):
    data = datagen.generate(example_schema, 200, tables=["users"], progress=False)
    with pytest.raises(InputError):
        Playground(example_schema, data, engines=("oracle",), queries=[workload.get_query("user-by-email", EXAMPLE_QUERIES)])
