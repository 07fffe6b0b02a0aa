"""The report builder on small throw-away notebooks: one offline HTML file, hidden code, TOC,
footer, widgets without blank boxes, the seed's output files, and a failing cell that names
its notebook and cell. (The real chapters run under nbval and `make report`.)"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dbdesign.errors import DbDesignError, InputError
from dbdesign.review.report import ReportError, build_report, export_html, machine_paths

REPO = Path(__file__).resolve().parent.parent


def write_nb(path: Path, *cells) -> None:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def _build(tmp_path_factory):
    nbs = tmp_path_factory.mktemp("notebooks")
    write_nb(nbs / "01_first.ipynb",
             new_markdown_cell("# First chapter\n\nSome narrative.\n\n## A section"),
             new_code_cell("import os\nprint('scale is', os.environ['DBDESIGN_SCALE'])"),
             new_code_cell("print('visible code')", metadata={"tags": ["show-input"]}),
             new_code_cell("import ipywidgets as w\nw.IntSlider(value=3)"),
             new_code_cell("from IPython.display import display, HTML\n"
                           "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x', "
                           "'version_major': 2, 'version_minor': 0}, 'text/html': '<b>static twin</b>', "
                           "'text/plain': 'W()'}, raw=True)"))
    write_nb(nbs / "02_second.ipynb", new_markdown_cell("# Second chapter"),
             new_code_cell("secret_marker_in_code = 42\nprint('second ran')"))
    write_nb(nbs / "README.ipynb", new_code_cell("raise SystemExit('not a chapter: must not run')"))
    out = tmp_path_factory.mktemp("report")
    from dbdesign.review import notebook as nbk
    with pytest.MonkeyPatch.context() as mp:  # the measured index documentation, kept small here
        mp.setattr(nbk, "LAB_ROWS", {"small": 2_000, "large": 2_000})
        index = build_report(out, scale="large", notebooks_dir=nbs, source=str(REPO / "migrations"))
    return index, index.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The report as `make report` builds it: live widgets when the widget manager is vendored."""
    return _build(tmp_path_factory)


@pytest.fixture(scope="module")
def built_static(tmp_path_factory):
    """The report on a machine where the widget manager could not be fetched (no npm)."""
    from dbdesign.review import report_assets
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_assets, "find_assets", lambda *a, **k: None)
        return _build(tmp_path_factory)


def test_one_offline_file_with_chapters_in_order(built):
    index, text = built
    assert index.name == "index.html"
    assert text.index("First chapter") < text.index("Second chapter")
    assert "scale is large" in text  # the parameter reached the kernel
    # nothing loaded from the network: no remote script or stylesheet, no CDN import
    assert not re.search(r"<script[^>]+src=[\"']https?://", text)
    assert not re.search(r"<link[^>]+href=[\"']https?://", text)
    assert not re.search(r"import\(\s*[\"']https?://", text)
    assert "not a chapter" not in text


def test_code_hidden_unless_tagged(built):
    _, text = built
    assert "secret_marker_in_code" not in text  # untagged source is hidden
    assert "<span class=\"s1\">'visible code'</span>" in text  # the tagged cell's highlighted source
    assert "second ran" in text


def test_toc_and_footer(built):
    _, text = built
    toc = text[text.index('id="toc"'):]
    toc = toc[:toc.index("</nav>")]
    assert "First chapter" in toc and "A section" in toc and "Second chapter" in toc
    footer = text[text.index("dbdesign-footer"):]
    assert "SQLite" in footer and "DuckDB" in footer and "PostgreSQL" in footer
    assert "sqlglot" in footer and "Scale: <b>large</b>" in footer


def test_widgets_are_live_offline_when_the_manager_is_vendored(built):
    from dbdesign.review import report_assets
    if report_assets.find_assets(REPO / report_assets.DEFAULT_VENDOR_DIR) is None:
        pytest.skip("widget manager not vendored (run `python -m dbdesign.review.report_assets fetch`)")
    _, text = built
    assert report_assets.WIDGET_STATE_MIME in text  # the widgets' saved state travels in the page
    assert "application/vnd.jupyter.widget-view+json" in text
    assert "requirejs" in text and "@jupyter-widgets/html-manager" in text  # inlined, not fetched
    assert not re.search(r"<script[^>]+src=", text)


def test_widgets_have_a_static_rendering_without_the_manager(built_static):
    _, text = built_static
    assert "static twin" in text  # the widget's own HTML fallback is kept
    assert "open this notebook in JupyterLab" in text  # a bare widget becomes a note
    assert "application/vnd.jupyter.widget-view+json" not in text


def test_seed_outputs_written(built):
    index, _ = built
    out = index.parent
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["name"] for c in manifest["chapters"]] == ["01_first.ipynb", "02_second.ipynb"]
    catalog = json.loads((out / "catalog.json").read_text())
    assert catalog["summary"]["by_kind"]["FOREIGN KEY"] == 19
    assert (out / "catalog.md").read_text().startswith("# Constraint catalogue")
    assert "| 0007 | add_posts_published_at | yes | schema |" in (out / "migrations.md").read_text()
    evidence = (out / "index-documentation.md").read_text()
    assert "| idx_posts_status_created_at |" in evidence and "used by posts-by-status-recent" in evidence
    assert "class Post(Base):" in (out / "orm_models.py").read_text()
    assert "| dev | `seeds/dev/01_users.sql` | users 5, profiles 3 |" in (out / "seeds.md").read_text()
    for rel in ("lint.json", "ddl/postgres.sql", "ddl/sqlite.sql", "portability.md", "erd.svg", "erd.mmd", "erd.dbml"):
        if rel in manifest["artifacts"]:
            assert (out / rel).stat().st_size > 0, rel
        else:
            assert any(rel.split("/")[0].split(".")[0] in k for k in manifest["not_written"]), rel


def test_failing_cell_names_notebook_and_cell(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    write_nb(nbs / "01_ok.ipynb", new_code_cell("x = 1"))
    write_nb(nbs / "02_bad.ipynb", new_markdown_cell("# Bad"), new_code_cell("y = 2"),
             new_code_cell("assert y == 3, 'reality changed'"))
    with pytest.raises(ReportError) as err:
        build_report(tmp_path / "out", notebooks_dir=nbs, source=str(REPO / "migrations"))
    msg = str(err.value)
    assert msg.startswith('02_bad.ipynb: cell 3 (code cell 2: "assert y == 3, ')
    assert "AssertionError: reality changed" in msg
    assert isinstance(err.value, DbDesignError)


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="unknown scale 'huge'"):
        build_report(tmp_path, scale="huge")
    with pytest.raises(InputError, match="no such notebooks folder"):
        build_report(tmp_path, notebooks_dir=tmp_path / "missing")
    with pytest.raises(InputError, match="no chapter notebooks"):
        build_report(tmp_path / "o", notebooks_dir=tmp_path)


def test_machine_paths_are_scrubbed():
    nb = new_notebook(cells=[new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr",
                                                  text=f"warning in {REPO}/lib/x.py\n")]
    html = export_html([("01_x.ipynb", nb)], {"generated_at": "t", "dbdesign": "0", "python": "3",
                                              "platform": "p", "engines": {}, "libraries": {}})
    assert str(REPO) in machine_paths(REPO)
    # export_html itself does not scrub (execute_notebook does); the policy is tested there
    assert "warning in" in html


# -- Markdown tables keep their cells: the written files and the chapters' Markdown outputs -------------
def _markdown_outputs() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                out.append((f"{path.name} markdown cell {i + 1}", cell.source))
            for o in cell.get("outputs", []):
                text = (o.get("data") or {}).get("text/markdown")
                if text:
                    out.append((f"{path.name} cell {i + 1} output", text if isinstance(text, str) else "".join(text)))
    return out


def _rendered_rows(html: str) -> list[list[str]]:
    from bs4 import BeautifulSoup
    rows = []
    for tr in BeautifulSoup(html, "html.parser").find_all("tr"):
        rows.append([c.get_text() for c in tr.find_all(["td", "th"])])
    return rows


def _assert_round_trip(where: str, markdown: str) -> int:
    """Every GFM table keeps its cells: our reading, markdown-it (CommonMark + GFM tables, what
    GitHub follows) and mistune (what the report's nbconvert uses) agree cell for cell."""
    from markdown_it import MarkdownIt
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from dbdesign.review.datatable import parse_md_tables
    tables = parse_md_tables(markdown)
    if not tables:
        return 0
    expected = [[html_unescape_code(c) for c in row] for t in tables for row in t]
    for name, html in (("markdown-it", MarkdownIt("commonmark").enable("table").render(markdown)),
                       ("mistune", markdown2html_mistune(markdown))):
        got = _rendered_rows(html)
        got = [r for r in got if r]
        assert len(got) == len(expected), f"{where}: {name} renders {len(got)} table rows, expected {len(expected)}"
        for want, have in zip(expected, got):
            assert len(have) == len(want), f"{where}: {name} splits {want!r} into {have!r}"
            assert [_plain(h) for h in have] == [_plain(w) for w in want], f"{where}: {name}: {have!r} != {want!r}"
    return len(tables)


def _plain(text: str) -> str:
    """Cell text with emphasis and code markers gone (both renderers drop them)."""
    return " ".join(text.replace("*", "").replace("`", "").split())


def html_unescape_code(cell: str) -> str:
    """What a cell shows: markup and backticks gone, entities decoded."""
    import html as _html
    text = re.sub(r"<[^>]+>", "", cell)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return _html.unescape(text).strip()


def test_every_markdown_table_round_trips(built):
    index, _ = built
    n = 0
    for path in sorted(index.parent.rglob("*.md")):
        n += _assert_round_trip(str(path.relative_to(index.parent)), path.read_text(encoding="utf-8"))
    for where, text in _markdown_outputs():
        n += _assert_round_trip(where, text)
    assert n > 20  # catalogue, portability, index documentation, per-table files, chapter tables


def test_cover_first_then_chapters_then_table_pages(built):
    index, text = built
    out = index.parent
    assert text.index('id="cover"') < text.index('id="chapter-01-first"') < text.index('id="tables"')
    cover = text[text.index('id="cover"'):text.index("</section>", text.index('id="cover"'))]
    assert "Decisions to sign off" in cover and "Changed since last review" in cover
    assert 1 <= cover.count('class="dbdesign-decision"') <= 10
    assert "First review in this output folder" in cover  # a fresh output folder
    manifest = json.loads((out / "manifest.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{12}", manifest["review"]["schema_hash"])
    assert manifest["review"]["schema_hash"] in cover and "Scale</b> large" in cover
    assert manifest["review"]["decisions"] and len(manifest["review"]["decisions"]) <= 10
    weight = manifest["page_bytes"]
    assert weight["total"] == index.stat().st_size
    assert weight["widget_manager"] + weight["widget_state"] + weight["images"] + weight["rest"] == weight["total"]
    for name in ("users", "posts", "audit_log"):  # the example's tables, each with a section and a file
        assert f'id="table-{name}"' in text
        assert (out / "tables" / f"{name}.md").is_file()
    assert "Comment coverage" in text
    assert not re.search(r'<g[^>]* id="table-', text), "an ERD node still has a section's id"
    toc = text[text.index('id="toc"'):text.index("</nav>", text.index('id="toc"'))]
    assert "Design review" in toc and "Tables" in toc


def test_report_for_a_schema_that_is_not_the_example(tmp_path_factory):
    corpus = REPO.parent / "shared" / "corpus" / "northwind-postgres.sql"
    if not corpus.is_file():
        pytest.skip("the northwind corpus schema is not on this machine")
    from dbdesign.review import notebook as nbk
    nbs = tmp_path_factory.mktemp("notebooks-nw")
    write_nb(nbs / "01_only.ipynb", new_markdown_cell("# Only chapter"), new_code_cell("print('ran')"))
    out = tmp_path_factory.mktemp("report-nw")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nbk, "LAB_ROWS", {"small": 2_000, "large": 2_000})
        index = build_report(out, notebooks_dir=nbs, source=str(corpus))
        text = index.read_text(encoding="utf-8")
        assert "Decisions to sign off" in text and 'id="table-orders"' in text
        assert (out / "tables" / "orders.md").is_file()
        # the second build in the same folder compares with the first
        index = build_report(out, notebooks_dir=nbs, source=str(corpus))
    text = index.read_text(encoding="utf-8")
    cover = text[text.index('id="cover"'):text.index("</section>", text.index('id="cover"'))]
    assert "The schema is unchanged (same hash)." in cover
    for example_table in ("users", "posts", "comments"):
        assert f'id="table-{example_table}"' not in text


def test_a_large_schema_gets_the_erd_set_not_one_strip(tmp_path):
    """Past `max_cluster` tables the report writes the cluster overview as erd.svg with one
    file per cluster, and Mermaid split per cluster with the note in its title."""
    from dbdesign.review import erd
    from dbdesign.review.report import ReportRun, _write_erd
    from dbdesign.schema.source import load_source
    corpus = REPO.parent / "shared" / "corpus" / "musicbrainz-combined.sql"
    if not corpus.exists():
        pytest.skip(f"corpus not here: {corpus}")
    schema = load_source(str(corpus))
    run = ReportRun(tmp_path, "small")
    _write_erd(run, schema)
    groups = erd.named_clusters(schema)
    overview = (tmp_path / "erd.svg").read_text(encoding="utf-8")
    assert max(erd.svg_size(overview)) <= 4000 and "erd&#45;overview&#45;" in overview  # the cluster boxes
    for c in groups:
        assert run.artifacts[f"erd-{c.slug}.svg"].startswith("ERD (SVG): cluster ")
        assert run.artifacts[f"erd-{c.slug}.mmd"] == "ERD (Mermaid): cluster (Mermaid)"
        assert erd.mermaid_fits((tmp_path / f"erd-{c.slug}.mmd").read_text(encoding="utf-8"))
    assert "split" in run.artifacts["erd.mmd"] and "erd.dbml" in run.artifacts
    assert (tmp_path / "erd.mmd").read_text(encoding="utf-8").startswith("---\ntitle: 375 tables")


def test_untimed_chapters_share_the_machine_and_timed_ones_run_alone(tmp_path):
    """A chapter runs alone unless marked untimed; the untimed ones overlap each other and
    the report's own outputs, and the page keeps name order whatever finished first."""
    import time

    from jupyter_core.utils import run_sync

    from dbdesign.review import report
    span = new_code_cell("import time\nt0 = time.time(); time.sleep(1.5); print(t0, time.time())")
    paths = []
    for name, untimed in (("01_a", True), ("02_timed", False), ("03_b", True)):
        path = tmp_path / f"{name}.ipynb"
        write_nb(path, span)
        if untimed:
            nb = nbformat.read(str(path), as_version=4)
            nb.metadata["dbdesign"] = {"untimed": True}
            nbformat.write(nb, str(path))
        paths.append(path)
    outputs = []
    run = report.ReportRun(tmp_path / "out", "small")
    executed = run_sync(report._run_chapters)(paths, tmp_path, True, lambda msg: None, run,
                                               lambda: outputs.append((time.time(), time.sleep(1.5), time.time())))
    assert [name for name, _ in executed] == ["01_a.ipynb", "02_timed.ipynb", "03_b.ipynb"]
    assert [c.name for c in run.chapters] == ["01_a.ipynb", "02_timed.ipynb", "03_b.ipynb"]
    spans = {name: tuple(map(float, nb.cells[0].outputs[0]["text"].split())) for name, nb in executed}
    (o_start, _, o_end), = outputs
    timed = spans.pop("02_timed.ipynb")
    for start, end in [*spans.values(), (o_start, o_end)]:
        assert end <= timed[0] or start >= timed[1]  # nothing beside the timed chapter
    a, b = spans.values()
    assert a[0] < b[1] and b[0] < a[1]  # the two untimed chapters overlapped
    assert report.runs_alone(nbformat.read(str(paths[1]), as_version=4))
