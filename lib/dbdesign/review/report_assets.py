"""Offline widgets for the one-file HTML report: the widget manager and require.js, inlined.

`nbconvert --to html` stores the widgets' state, but the page loads require.js and
`@jupyter-widgets/html-manager` from a CDN, so offline every widget is a blank box
(ENGINE_FACTS.md, "Notebooks and reports"). We fetch both packages from the npm registry once,
at setup, into `build/vendor/` (`python -m dbdesign.review.report_assets fetch`, which runs
`npm pack`), and inline them into the page: the report stays ONE self-contained file that
renders its widgets from their stored state with no network. Widgets cannot call back into
Python there; widgets built for that (the schema explorer) switch views with front-end links.

    fetch_assets(vendor_dir) -> WidgetAssets            (setup; needs npm and the registry)
    find_assets(vendor_dir) -> WidgetAssets | None      (None: not fetched, use static fallbacks)
    merge_widget_state(notebooks) -> dict               (the executed chapters' widget state)
    offline_widget_options() -> dict                    (HTMLExporter traits: no CDN URL in the page)
    inline_widget_assets(html, state=None, assets=None) -> str
    rewrite_notebook_links(html, anchors) -> str        (`04_x.ipynb` links -> `#chapter-04-x`)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from dbdesign.errors import DbDesignError, InputError

# Pinned: html-manager 1.x renders ipywidgets 8 state (widget protocol 2); require.js loads it.
NPM_PACKAGES: dict[str, str] = {"@jupyter-widgets/html-manager": "1.0.15", "requirejs": "2.3.8"}
# file inside each package tarball -> name under the vendor folder
_FILES = {"@jupyter-widgets/html-manager": ("package/dist/embed-amd.js", "html-manager-embed-amd.js"),
          "requirejs": ("package/require.js", "require.js")}
DEFAULT_VENDOR_DIR = os.path.join("build", "vendor")
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# Placeholders given to HTMLExporter so that no CDN URL is ever written into the page; the
# <script> tags that carry them are replaced by the inlined files.
REQUIRE_PLACEHOLDER = "dbdesign-vendor:require.js"
RENDERER_PLACEHOLDER = "dbdesign-vendor:html-manager-embed-amd.js"


class AssetsError(DbDesignError):
    """The widget assets could not be fetched (no npm, no registry)."""


@dataclass
class WidgetAssets:
    require_js: Path
    embed_amd_js: Path

    def read(self) -> tuple[str, str]:
        return (self.require_js.read_text(encoding="utf-8"), self.embed_amd_js.read_text(encoding="utf-8"))


def npm_command(vendor_dir: str = DEFAULT_VENDOR_DIR) -> list[str]:
    """The exact npm call (for the Makefile and for `fetch_assets`): tarballs only, no
    node_modules tree, no install scripts."""
    return ["npm", "pack", "--silent", "--ignore-scripts", "--pack-destination", vendor_dir,
            *(f"{name}@{version}" for name, version in NPM_PACKAGES.items())]


def _tarball(vendor: Path, name: str) -> Path:
    return vendor / f"{name.lstrip('@').replace('/', '-')}-{NPM_PACKAGES[name]}.tgz"


def find_assets(vendor_dir: str | os.PathLike = DEFAULT_VENDOR_DIR) -> WidgetAssets | None:
    """The vendored files, extracted from the npm tarballs when only those are there;
    None when `fetch` has not run (the report then keeps widgets' static fallbacks)."""
    vendor = Path(vendor_dir)
    paths = {}
    for name, (member, target) in _FILES.items():
        out = vendor / target
        if not out.is_file():
            tgz = _tarball(vendor, name)
            if not tgz.is_file():
                return None
            with tarfile.open(tgz) as tar:
                data = tar.extractfile(member)
                if data is None:
                    raise AssetsError(f"{tgz.name} has no {member}; delete it and fetch again")
                out.write_bytes(data.read())
        paths[name] = out
    return WidgetAssets(paths["requirejs"], paths["@jupyter-widgets/html-manager"])


def fetch_assets(vendor_dir: str | os.PathLike = DEFAULT_VENDOR_DIR) -> WidgetAssets:
    """Download the pinned packages with `npm pack` (once; a no-op when present)."""
    found = find_assets(vendor_dir)
    if found is not None:
        return found
    if shutil.which("npm") is None:
        raise AssetsError("npm is not installed, so the widget manager cannot be fetched; "
                          "install nodejs/npm (apt-get install npm) or build the report without "
                          "live widgets (static fallbacks are used)")
    vendor = Path(vendor_dir)
    vendor.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(npm_command(str(vendor)), capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssetsError(f"npm pack failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[:300]}")
    found = find_assets(vendor)
    if found is None:
        raise AssetsError(f"npm pack ran but left no tarballs in {vendor}")
    return found


# -- the page ------------------------------------------------------------------------------------
def offline_widget_options() -> dict[str, str]:
    """HTMLExporter traits for the report: placeholders instead of CDN URLs, replaced (or
    removed) by `inline_widget_assets`."""
    return {"require_js_url": REQUIRE_PLACEHOLDER, "widget_renderer_url": RENDERER_PLACEHOLDER}


def merge_widget_state(notebooks: Iterable[Any]) -> dict[str, Any]:
    """One widget-state document from several executed notebooks (model ids are UUIDs, so
    they never collide). Empty when no notebook has widgets."""
    merged: dict[str, Any] = {}
    version = (2, 0)
    for nb in notebooks:
        doc = (nb.get("metadata", {}).get("widgets") or {}).get(WIDGET_STATE_MIME)
        if doc:
            merged.update(doc.get("state", {}))
            version = (doc.get("version_major", 2), doc.get("version_minor", 0))
    if not merged:
        return {}
    return {"version_major": version[0], "version_minor": version[1], "state": merged}


def _script_json(data: Any) -> str:
    # The same escaping nbconvert uses for <script> JSON: no "</" can close the tag early.
    return json.dumps(data).replace("</", "<\\/")


def _inline_js(code: str) -> str:
    return "<script>\n" + code.replace("</script", "<\\/script") + "\n</script>"


_CDN_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"(?:[^\"]*require(?:\.min)?\.js|" + re.escape(REQUIRE_PLACEHOLDER)
                         + r")\"[^>]*>\s*</script>", re.I)
_RENDERER_LOADER = re.compile(r"<script>\s*\(function\(\)\s*\{\s*function addWidgetsRenderer\(\).*?</script>",
                              re.S)


def inline_widget_assets(html: str, state: dict[str, Any] | None = None,
                         assets: WidgetAssets | None = None) -> str:
    """Make the page render its widgets offline.

    Removes nbconvert's require.js tag and its CDN widget-renderer loader, adds the widget
    state (when given and not on the page yet) and inlines require.js and the html-manager
    before `</body>`. A page with no widget view needs none of that (3.6 MB): it only loses
    the CDN tags. Raises AssetsError when widgets are on the page but the assets were never
    fetched (run `python -m dbdesign.review.report_assets fetch`)."""
    html = _CDN_SCRIPT.sub("", html)
    html = _RENDERER_LOADER.sub("", html)
    if WIDGET_VIEW_MIME not in html:
        return html
    if assets is None:
        assets = find_assets()
        if assets is None:
            raise AssetsError("the page has widgets but build/vendor has no widget manager; run "
                              "`python -m dbdesign.review.report_assets fetch` (npm) first")
    require_js, embed_js = assets.read()
    parts = []
    if state and WIDGET_STATE_MIME not in html:
        parts.append(f'<script type="{WIDGET_STATE_MIME}">{_script_json(state)}</script>')
    parts.append(_inline_js(require_js))
    parts.append(_inline_js(embed_js))
    block = "\n".join(parts) + "\n"
    at = html.rfind("</body>")
    return html[:at] + block + html[at:] if at >= 0 else html + block


_NB_LINK = re.compile(r'href="(?:\./)?(\d\d_[A-Za-z0-9_\-]+)\.ipynb(#[^"]*)?"')


def chapter_anchor(notebook_name: str) -> str:
    """The report's anchor for a chapter (the scheme report.py uses)."""
    stem = notebook_name.rsplit(".", 1)[0] if notebook_name.endswith(".ipynb") else notebook_name
    return "chapter-" + re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def rewrite_notebook_links(html: str, notebooks: Iterable[str] | None = None) -> str:
    """In the one-page report, a link to a sibling chapter (`04_constraints_integrity.ipynb`,
    how the notebooks link each other in JupyterLab and on GitHub) becomes its anchor. A link
    to a notebook that is not in `notebooks` (when given) is left alone."""
    known = {n.rsplit(".", 1)[0] for n in notebooks} if notebooks is not None else None

    def fix(m: re.Match) -> str:
        if known is not None and m.group(1) not in known:
            return m.group(0)
        return f'href="#{chapter_anchor(m.group(1))}"'
    return _NB_LINK.sub(fix, html)


def main() -> None:
    """`python -m dbdesign.review.report_assets fetch|command [--dir build/vendor]`."""
    import click

    @click.command(name="python -m dbdesign.review.report_assets")
    @click.argument("action", type=click.Choice(["fetch", "command"]))
    @click.option("--dir", "folder", default=DEFAULT_VENDOR_DIR, show_default=True)
    def run(action: str, folder: str) -> None:
        """Fetch the pinned widget manager into FOLDER, or print the npm command that does."""
        if action == "command":
            click.echo(" ".join(npm_command(folder)))
            return
        try:
            assets = fetch_assets(folder)
        except (AssetsError, InputError) as err:
            click.echo(f"dbdesign: {err}", err=True)
            raise SystemExit(2) from None
        click.echo(f"widget assets: {assets.require_js} ({assets.require_js.stat().st_size // 1024} KiB), "
                   f"{assets.embed_amd_js} ({assets.embed_amd_js.stat().st_size // 1024} KiB)")
    run()


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["NPM_PACKAGES", "WidgetAssets", "AssetsError", "npm_command", "find_assets", "fetch_assets",
           "offline_widget_options", "merge_widget_state", "inline_widget_assets", "chapter_anchor",
           "rewrite_notebook_links"]
