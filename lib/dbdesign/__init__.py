"""dbdesign: a database-architecture design workbook.

Read a schema from DDL or a migrations folder into one model, lint it, render it for four
engines, replay and introspect it on real databases, and document it for a design review.
"""
from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path

# The checkout holding lib/dbdesign: `make` installs the pinned helper tools under its build/
REPO_ROOT = Path(__file__).resolve().parents[2]

from dbdesign.errors import DbDesignError, EngineError, InputError
from dbdesign.model import Schema
from dbdesign.schema.parse import parse_sql
from dbdesign.schema.source import load_source

__all__ = ["__version__", "REPO_ROOT", "DbDesignError", "EngineError", "InputError", "Schema", "parse_sql",
           "load_source"]
