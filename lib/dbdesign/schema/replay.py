"""Replay a schema's DDL on a real engine: render it (`dialects.render`), run it in a
throw-away database, read the database back and diff it against what the rendering says the
engine holds. The proof behind "the same-engine round trip is empty" and "cross-engine DDL
executes, with a note for every change"."""
from __future__ import annotations

from dataclasses import dataclass, field

from dbdesign import dialects, engines
from dbdesign.schema.diff import diff
from dbdesign.engines.introspection import as_catalogue
from dbdesign.errors import EngineError
from dbdesign.model import Schema


@dataclass
class Replay:
    engine: str
    statements: int
    notes: int
    executed: bool
    error: str | None = None  # the engine's message for the first statement it refused
    diff: list[str] = field(default_factory=list)  # round-trip differences (empty: same schema)
    note_features: dict[str, int] = field(default_factory=dict)

    @property
    def round_trip_empty(self) -> bool:
        return self.executed and not self.diff


def replay(schema: Schema, engine: str) -> Replay:
    """Render `schema` for `engine`, run it on a throw-away database of that engine and diff
    what the engine holds against the rendering's model. Raises EngineUnavailable when the
    engine cannot be reached."""
    rendered = dialects.render(schema, engine)
    features: dict[str, int] = {}
    for n in rendered.notes:
        features[n.feature] = features.get(n.feature, 0) + 1
    result = Replay(engine, len(rendered.statements), len(rendered.notes), False,
                    note_features=features)
    with engines.throwaway(engine) as eng:
        try:
            eng.run_script(rendered.statements)
        except EngineError as err:
            result.error = str(err)
            return result
        result.executed = True
        dialect = eng.expression_dialect or eng.dialect
        found = diff(as_catalogue(rendered.model, dialect), eng.introspect(), engine=engine)
        result.diff = [] if found.is_empty else found.format_text().splitlines()
    return result
