"""`dbdesign api`, `dbdesign nosql` and `dbdesign pool`: the contract check, the access-pattern
driven NoSQL designs and the pooling measurements, each a few lines over its library module."""
from __future__ import annotations

import sys

import click

from .clitools import FORMATS_TEXT_JSON, emit_json, handle_errors, load


@click.command()
@click.argument("source", required=False)
@click.option("--openapi", "openapi_file", help="OpenAPI 3.0/3.1 file (YAML or JSON) to check against the schema.")
@click.option("--generate", is_flag=True, help="Print OpenAPI component schemas generated from the schema instead.")
@click.option("--format", "fmt", type=FORMATS_TEXT_JSON, default="text", show_default=True)
@handle_errors
def api(source: str | None, openapi_file: str | None, generate: bool, fmt: str) -> None:
    """Check an API contract against SOURCE (exit 1 on error findings), or --generate one."""
    from .api import check, document
    from .errors import InputError
    schema, config = load(source)
    if generate:
        import yaml
        doc = document(schema)
        emit_json(doc) if fmt == "json" else click.echo(yaml.safe_dump(doc, sort_keys=False), nl=False)
        return
    openapi_file = openapi_file or ((getattr(config, "extra", None) or {}).get("api") or {}).get("openapi")
    if not openapi_file:
        raise InputError("no contract: pass --openapi FILE (or set [api] openapi = \"...\" in dbdesign.toml)")
    result = check(schema, openapi_file)
    emit_json(result.to_dict()) if fmt == "json" else click.echo(result.format_text())
    sys.exit(1 if result.has_errors else 0)
