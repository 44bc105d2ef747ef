"""The coverage section of every report: what was compared on each side, and what was present but not compared.

A drift tool that says "no drift" must also say what it looked at. For each object type the report gives how
many objects each side had (tables, columns, indexes, foreign keys, checks, enums, then every
:class:`~schemaguard.model.ObjectKind`), and lists everything an inspector or loader saw but left out
(:class:`~schemaguard.model.NotCompared`: an excluded schema, an object type without a model, privileges when
they are not compared, objects the dialect cannot hold) with a count and the names. ``--strict-coverage`` turns
any such entry into a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemaguard.model import NotCompared, Schema

_NAMES_SHOWN = 50
"""Names listed per not-compared entry in reports (the count is always exact)."""


@dataclass(frozen=True)
class Coverage:
    """What a comparison (or an introspection) covered.

    Attributes:
        compared: ``{object type: (desired count, actual count)}`` in a stable order; an inspect report has
            the inspected side only (desired count 0).
        not_compared: ``(side, entry)`` pairs: ``side`` is ``desired`` or ``actual``.
    """

    compared: dict[str, tuple[int, int]]
    not_compared: tuple[tuple[str, NotCompared], ...] = field(default=())

    @property
    def not_compared_total(self) -> int:
        """How many objects were present but not compared (both sides)."""
        return sum(len(e.names) for _, e in self.not_compared)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``docs/diff-report.schema.json``, ``coverage``)::

        {"compared": {"table": {"desired": 3, "actual": 3}, ...},
         "not_compared": [{"side": "actual", "what": "aggregate", "reason": "...", "count": 1, "names": [...]}],
         "not_compared_total": 1}
        """
        return {
            "compared": {k: {"desired": d, "actual": a} for k, (d, a) in self.compared.items()},
            "not_compared": [
                {
                    "side": side,
                    "what": e.what,
                    "reason": e.reason,
                    "count": len(e.names),
                    "names": list(e.names[:_NAMES_SHOWN]),
                }
                for side, e in self.not_compared
            ],
            "not_compared_total": self.not_compared_total,
        }

    def summary_line(self, verb: str = "compared") -> str:
        """One line for the table output: ``compared: 12 tables, 3 views, 2 functions; not compared: 1 aggregate
        (no model for this object type), 4 tables (schema audit not inspected)``."""
        parts = []
        for kind, (d, a) in self.compared.items():
            if d or a:
                n = max(d, a)
                parts.append(f"{n} {_plural(kind, n)}")
        text = f"{verb}: " + (", ".join(parts) if parts else "nothing")
        if self.not_compared:
            missed = [
                f"{len(e.names)} {_plural(e.what, len(e.names))} ({e.reason}{'' if side == 'actual' else ', desired side'})"
                for side, e in self.not_compared
            ]
            text += f"; NOT {verb}: " + ", ".join(missed)
        else:
            text += f"; nothing left un{verb}"
        return text


_ALREADY_PLURAL = frozenset(("privileges", "options", "settings", "attributes"))
"""Last words of kind names that are plural already ("table options": never "table optionses")."""


def _plural(what: str, n: int) -> str:
    what = what.replace("_", " ")
    if n == 1:
        return what
    if what.split(" ")[-1] in _ALREADY_PLURAL:
        return what
    if what.endswith("y") and not what.endswith("ey"):
        return what[:-1] + "ies"
    if what.endswith(("s", "x", "ch", "sh")):
        return what + "es"
    return what + "s"


def plural(what: str, n: int) -> str:
    """``what`` (an object type, underscores as spaces) for ``n`` objects: ``column default`` → ``column
    defaults``, ``privileges`` stays."""
    return _plural(what, n)


def counts(schema: Schema) -> dict[str, int]:
    """Objects per type in ``schema``: tables, columns, indexes, foreign keys, checks, enums, then each object
    kind present."""
    out = {
        "table": len(schema.tables),
        "column": sum(len(t.columns) for t in schema.tables),
        "index": sum(len(t.indexes) for t in schema.tables),
        "foreign_key": sum(len(t.foreign_keys) for t in schema.tables),
        "check": sum(len(t.checks) for t in schema.tables),
        "enum": len(schema.enums),
    }
    for o in schema.objects:
        out[o.kind.value] = out.get(o.kind.value, 0) + 1
    return out


def diff_coverage(desired: Schema, actual: Schema) -> Coverage:
    """The coverage of comparing ``desired`` with ``actual`` (both as compared: filtered and adapted)."""
    d, a = counts(desired), counts(actual)
    compared = {k: (d.get(k, 0), a.get(k, 0)) for k in dict.fromkeys([*d, *a])}
    missed = tuple(("desired", e) for e in desired.not_compared) + tuple(("actual", e) for e in actual.not_compared)
    return Coverage(compared, missed)


def inspect_coverage(schema: Schema) -> Coverage:
    """The coverage of one introspection (reported as the ``actual`` side)."""
    return Coverage({k: (0, n) for k, n in counts(schema).items()}, tuple(("actual", e) for e in schema.not_compared))
