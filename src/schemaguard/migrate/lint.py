"""``migrate lint``: the dangerous operations of revisions, with rule codes named after the field's analyzers.

The statements a revision runs are collected first — PostgreSQL: Alembic's offline (``--sql``) script;
SQLite: the statements executed while the revision runs on a scratch copy of the previous state (batch mode
needs a live table to copy) — then checked by:

* schemaguard's own rules (below), which also know what a statement scan cannot: whether the target table
  holds rows or NULLs (queried read-only on ``--target``) and what a SQLite batch rebuild drops or tightens;
* Squawk (``squawk-cli``), run on the PostgreSQL script, for PostgreSQL locking rules
  (``require-concurrent-index-creation``, ``adding-foreign-key-constraint``, ``changing-column-type``,
  ``constraint-missing-not-valid``...). Its findings are mapped to Atlas codes where one exists.

A comment ``schemaguard:allow CODE`` (or the rule's name) in a revision file allows one finding of that rule.

Sources: Atlas analyzers https://atlasgo.io/lint/analyzers ; Squawk rules https://squawkhq.com/docs/rules .
The Atlas codes used here were checked against Atlas's own sources: DS102/DS103 in
``sql/sqlcheck/destructive/destructive.go`` (drop table / drop column), MF101/MF103/MF104 in
``sql/sqlcheck/datadepend/datadepend.go`` (unique index on an existing column / new NOT NULL column without
default / column made NOT NULL), BC101/BC102 in ``sql/sqlcheck/incompatible/incompatible.go`` (rename table /
column), PG101 in the PostgreSQL ``concurrent_index`` analyzer (index created without CONCURRENTLY) and PG301
in Atlas's PostgreSQL lint reference (a column type change that rewrites the table).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaguard.migrate.errors import MigrationError
from schemaguard.migrate.project import MigrationsDir

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.dialects.base import Dialect
    from schemaguard.model import Schema


@dataclass(frozen=True)
class Rule:
    """A lint rule: ``code`` (Atlas's where it has one), ``name`` (Squawk's where it has one), default severity."""

    code: str
    name: str
    severity: str
    summary: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "DS102", "ban-drop-table", "error", "a table is dropped with its rows (Atlas DS102; Squawk ban-drop-table)"
        ),
        Rule(
            "DS103",
            "ban-drop-column",
            "error",
            "a column is dropped with its data (Atlas DS103; Squawk ban-drop-column)",
        ),
        Rule(
            "MF101",
            "disallowed-unique-constraint",
            "warning",
            "a unique index on an existing table fails on duplicate rows (Atlas MF101)",
        ),
        Rule(
            "MF103",
            "adding-required-field",
            "warning",
            "a NOT NULL column without default fails on a table holding rows (Atlas MF103; Squawk adding-required-field)",
        ),
        Rule(
            "MF104",
            "adding-not-nullable-field",
            "warning",
            "making a column NOT NULL fails while NULLs remain (Atlas MF104; Squawk adding-not-nullable-field)",
        ),
        Rule(
            "BC101",
            "renaming-table",
            "warning",
            "renaming a table breaks the deployed application (Atlas BC101; Squawk renaming-table)",
        ),
        Rule(
            "BC102",
            "renaming-column",
            "warning",
            "renaming a column breaks the deployed application (Atlas BC102; Squawk renaming-column)",
        ),
        Rule(
            "PG101",
            "require-concurrent-index-creation",
            "warning",
            "CREATE INDEX without CONCURRENTLY blocks writes while it builds (Atlas PG101; Squawk)",
        ),
        Rule(
            "PG301",
            "changing-column-type",
            "warning",
            "a column type change rewrites the table under an ACCESS EXCLUSIVE lock (Atlas PG301; Squawk)",
        ),
        Rule(
            "SG101",
            "sqlite-table-rebuild",
            "warning",
            "SQLite rebuilds the table (copy, drop, rename): every row is copied under a write lock",
        ),
        Rule(
            "SG102", "drop-enum-value", "error", "enum values are removed: rows holding them make the conversion fail"
        ),
    )
}
"""schemaguard's rules by code. Squawk rules without an Atlas counterpart are reported under their own name."""

_SQUAWK_TO_CODE = {r.name: r.code for r in RULES.values()}

SQUAWK_EXCLUDED = (
    "prefer-robust-stmts",
    "require-lock-timeout",
    "require-statement-timeout",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-text-field",
    "prefer-timestamptz",
    "ban-char-field",
    "transaction-nesting",
)
"""Squawk style rules that say nothing about the safety of a generated migration."""


@dataclass
class Finding:
    """One lint finding.

    Attributes:
        revision: the revision id.
        code: the rule code (``DS103``) or, for a Squawk rule without a code, its name.
        rule: the rule's name.
        severity: ``error``, ``warning`` or ``info``.
        message: what happens and what to do.
        statement: the SQL statement concerned (may be empty).
        source: ``schemaguard`` or ``squawk``.
        allowed: allowed by a ``schemaguard:allow`` comment.
    """

    revision: str
    code: str
    rule: str
    severity: str
    message: str
    statement: str = ""
    source: str = "schemaguard"
    allowed: bool = False


@dataclass
class LintReport:
    """Findings of every linted revision, plus notes (e.g. Squawk not installed)."""

    revisions: list[str]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and not f.allowed]


_ID = r'(?:"((?:[^"]|"")+)"|([\w$]+))'


def _ident(m: re.Match[str], group: int) -> str:
    quoted = m.group(group)
    return quoted.replace('""', '"') if quoted is not None else m.group(group + 1)


_RE_DROP_TABLE = re.compile(rf"^DROP TABLE (?:IF EXISTS )?(?!temp\.){_ID}", re.I)  # temp.x: the rebuild guard
_RE_CREATE_TABLE = re.compile(rf"^CREATE TABLE (?:IF NOT EXISTS )?{_ID}", re.I)
_RE_ALTER = re.compile(rf"^ALTER TABLE (?:ONLY )?{_ID}\s+(.*)$", re.I | re.S)
_RE_DROP_COLUMN = re.compile(rf"DROP COLUMN (?:IF EXISTS )?{_ID}", re.I)
_RE_ADD_COLUMN = re.compile(
    rf"ADD (?:COLUMN )?(?:IF NOT EXISTS )?(?!(?:CONSTRAINT|CHECK|UNIQUE|PRIMARY|FOREIGN|EXCLUDE)\b){_ID}\s+(.*)$",
    re.I | re.S,
)
_RE_SET_NOT_NULL = re.compile(rf"ALTER (?:COLUMN )?{_ID} SET NOT NULL", re.I)
_RE_RENAME_COLUMN = re.compile(rf"RENAME (?:COLUMN )?{_ID} TO {_ID}", re.I)
_RE_RENAME_TABLE = re.compile(rf"^RENAME TO {_ID}", re.I)
_RE_UNIQUE_INDEX = re.compile(
    rf"^CREATE UNIQUE INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?{_ID} ON (?:ONLY )?{_ID}", re.I
)
_RE_ADD_UNIQUE = re.compile(r"ADD (?:CONSTRAINT \S+ )?UNIQUE", re.I)
_RE_ENUM_REBUILD = re.compile(rf"^ALTER TYPE {_ID} RENAME TO {_ID}", re.I)
_REBUILD_PREFIXES = ("_alembic_tmp_", "_sg_new_")


class _Target:
    """Read-only questions to the target database (no target: every answer is "unknown")."""

    def __init__(self, url: str | None, dialect: Dialect) -> None:
        self.url = url
        self.dialect = dialect
        self._cache: dict[tuple[str, str | None], bool | None] = {}

    def _ask(self, table: str, null_column: str | None) -> bool | None:
        key = (table, null_column)
        if self.url is None:
            return None
        if key not in self._cache:
            import sqlalchemy as sa

            from schemaguard.db import connect

            q = self.dialect.quote_ident
            where = f" WHERE {q(null_column)} IS NULL" if null_column else ""
            with connect(self.url, read_only=True) as conn:
                if not sa.inspect(conn).has_table(table):
                    self._cache[key] = False
                else:
                    row = conn.execute(sa.text(f"SELECT 1 FROM {q(table)}{where} LIMIT 1")).first()
                    self._cache[key] = row is not None
        return self._cache[key]

    def has_rows(self, table: str) -> bool | None:
        """True/False when a target was given, None when unknown."""
        return self._ask(table, None)

    def has_nulls(self, table: str, column: str) -> bool | None:
        return self._ask(table, column)


def _finding(rev: str, code: str, message: str, statement: str = "", severity: str | None = None) -> Finding:
    rule = RULES[code]
    return Finding(rev, code, rule.name, severity or rule.severity, message, statement)


def statement_rules(rev: str, statements: Sequence[str], target: _Target) -> list[Finding]:
    """schemaguard's statement rules (both dialects): DS102, DS103, MF101, MF103, MF104, BC101, BC102, SG101,
    SG102. Severity of MF103/MF104 follows the target's data: error when it holds rows / NULLs, info when it
    holds none, warning when unknown."""
    out: list[Finding] = []
    created: set[str] = set()
    rebuilt = {
        _ident(m, 1)[len(p) :]
        for s in statements
        if (m := _RE_CREATE_TABLE.match(s))
        and (p := next((x for x in _REBUILD_PREFIXES if _ident(m, 1).startswith(x)), ""))
    }
    for name in sorted(rebuilt):
        out.append(_finding(rev, "SG101", f"table {name} is rebuilt (new table, copy of every row, drop, rename)"))
    for s in statements:
        if m := _RE_CREATE_TABLE.match(s):
            created.add(_ident(m, 1))
        elif m := _RE_DROP_TABLE.match(s):
            t = _ident(m, 1)
            if t not in rebuilt and not t.startswith(_REBUILD_PREFIXES):
                rows = target.has_rows(t)
                extra = " (the target table holds rows)" if rows else ""
                out.append(_finding(rev, "DS102", f"table {t} is dropped with its data{extra}", s))
        elif m := _RE_UNIQUE_INDEX.match(s):
            t = _ident(m, 3)
            if t not in created:
                out.append(
                    _finding(
                        rev, "MF101", f"unique index {_ident(m, 1)} on existing table {t} fails if duplicates exist", s
                    )
                )
        elif m := _RE_ENUM_REBUILD.match(s):
            out.append(_finding(rev, "SG102", f"enum {_ident(m, 1)} is rebuilt without some of its values", s))
        elif m := _RE_ALTER.match(s):
            t, rest = _ident(m, 1), m.group(3)
            if t.startswith(_REBUILD_PREFIXES):
                continue
            if c := _RE_DROP_COLUMN.search(rest):
                out.append(_finding(rev, "DS103", f"column {t}.{_ident(c, 1)} is dropped with its data", s))
            if (c := _RE_ADD_COLUMN.match(rest)) and t not in created:
                spec = c.group(3).upper()
                if "NOT NULL" in spec and " DEFAULT " not in f" {spec}" and "GENERATED" not in spec:
                    out.append(_required(rev, t, _ident(c, 1), s, target))
            if c := _RE_SET_NOT_NULL.search(rest):
                out.append(_not_null(rev, t, _ident(c, 1), s, target))
            if c := _RE_RENAME_COLUMN.search(rest):
                out.append(
                    _finding(
                        rev,
                        "BC102",
                        f"column {t}.{_ident(c, 1)} is renamed to {_ident(c, 3)}: deployed code using the old name breaks",
                        s,
                    )
                )
            if c := _RE_RENAME_TABLE.match(rest):
                new = _ident(c, 1)
                if new not in rebuilt:
                    out.append(
                        _finding(
                            rev, "BC101", f"table {t} is renamed to {new}: deployed code using the old name breaks", s
                        )
                    )
            if _RE_ADD_UNIQUE.search(rest) and t not in created:
                out.append(
                    _finding(rev, "MF101", f"unique constraint on existing table {t} fails if duplicates exist", s)
                )
    return out


def _required(rev: str, table: str, column: str, stmt: str, target: _Target) -> Finding:
    rows = target.has_rows(table)
    if rows:
        return _finding(
            rev,
            "MF103",
            f"NOT NULL column {table}.{column} without default: {table} holds rows, the migration fails",
            stmt,
            "error",
        )
    sev = "info" if rows is False else None
    return _finding(
        rev,
        "MF103",
        f"NOT NULL column {table}.{column} without default fails if {table} holds rows; add a default or backfill first",
        stmt,
        sev,
    )


def _not_null(rev: str, table: str, column: str, stmt: str, target: _Target) -> Finding:
    nulls = target.has_nulls(table, column)
    if nulls:
        return _finding(
            rev,
            "MF104",
            f"{table}.{column} becomes NOT NULL but the target holds NULLs in it: the migration fails",
            stmt,
            "error",
        )
    sev = "info" if nulls is False else None
    return _finding(
        rev, "MF104", f"{table}.{column} becomes NOT NULL: fails while NULLs remain; backfill first", stmt, sev
    )


def rebuild_rules(rev: str, before: Schema, after: Schema, rebuilt: set[str], target: _Target) -> list[Finding]:
    """What a SQLite batch rebuild does that no statement says: columns left out of the copy (DS103), new
    NOT NULL columns without default (MF103), columns tightened to NOT NULL (MF104)."""
    out: list[Finding] = []
    for name in sorted(rebuilt):
        t0, t1 = before.table(name), after.table(name)
        if t0 is None or t1 is None:
            continue
        for c in t0.columns:
            c1 = t1.column(c.name)
            if c1 is None:
                out.append(_finding(rev, "DS103", f"column {name}.{c.name} is dropped with its data (table rebuild)"))
            elif c.nullable and not c1.nullable:
                out.append(_not_null(rev, name, c.name, "", target))
        for c1 in t1.columns:
            if t0.column(c1.name) is None and not c1.nullable and c1.default is None and not c1.autoincrement:
                out.append(_required(rev, name, c1.name, "", target))
    return out


def squawk_binary() -> str | None:
    """Path of the ``squawk`` executable (from ``squawk-cli``), or None."""
    import sys

    local = Path(sys.executable).parent / "squawk"
    return str(local) if local.exists() else shutil.which("squawk")


def run_squawk(rev: str, statements: Sequence[str], binary: str) -> list[Finding]:
    """Squawk's findings on ``statements`` (one per line in a temporary file), noisy style rules excluded.

    Raises:
        MigrationError: squawk crashed or printed no JSON.
    """
    flat = [" ".join(s.split()) for s in statements]
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "revision.sql"  # not the revision id: that is text from a file, never a path part
        f.write_text("".join(s + ";\n" for s in flat), encoding="utf-8")
        proc = subprocess.run(
            [binary, "--reporter", "json", "--exclude", ",".join(SQUAWK_EXCLUDED), str(f)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    try:
        items: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        raise MigrationError(f"squawk failed on revision {rev}: {(proc.stderr or proc.stdout).strip()[:300]}") from None
    out = []
    for it in items:
        name = str(it.get("rule_name", ""))
        line = int(it.get("line", 0))
        stmt = statements[line] if 0 <= line < len(statements) else ""
        code = _SQUAWK_TO_CODE.get(name, name)
        severity = RULES[code].severity if code in RULES else "warning"
        message = str(it.get("message", "")) + (f" {it['help']}" if it.get("help") else "")
        out.append(Finding(rev, code, name, severity, message, stmt, source="squawk"))
    return out


def _parse_offline(text: str) -> list[str]:
    statements = []
    for chunk in re.split(r";\s*\n", text):
        lines = [ln for ln in chunk.splitlines() if ln.strip() and not ln.strip().startswith("--")]
        stmt = "\n".join(lines).strip()
        if not stmt or stmt.upper() in ("BEGIN", "COMMIT") or "alembic_version" in stmt:
            continue
        statements.append(stmt)
    return statements


def _allowances(path: Path) -> list[str]:
    return re.findall(r"schemaguard:allow\s+([\w-]+)", path.read_text(encoding="utf-8"))


_RE_INDEX_ON = re.compile(
    rf"^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?{_ID} ON (?:ONLY )?{_ID}", re.I
)


def _statement_table(stmt: str) -> str | None:
    if m := _RE_ALTER.match(stmt):
        return _ident(m, 1)
    if m := _RE_INDEX_ON.match(stmt):
        return _ident(m, 3)
    return None


def _merge(own: list[Finding], squawk: list[Finding], statements: Sequence[str]) -> list[Finding]:
    # A Squawk finding with the same code on the same statement as one of ours adds nothing, and locking
    # hazards on a table created by the same revision do not exist (nobody else can hold it yet).
    created = {_ident(m, 1) for s in statements if (m := _RE_CREATE_TABLE.match(s))}
    seen = {(f.code, " ".join(f.statement.split())) for f in own}
    return own + [
        f
        for f in squawk
        if (f.code, " ".join(f.statement.split())) not in seen and _statement_table(f.statement) not in created
    ]


def lint_revisions(
    config: Config, revisions: Sequence[str], *, url: str | None = None, dev_url: str | None = None
) -> LintReport:
    """Lint ``revisions`` (default: those not applied on ``url``, else all).

    Args:
        config: the configuration.
        revisions: revision ids.
        url: the target database, queried read-only for rows and NULLs (and for the unapplied revisions).
        dev_url: scratch PostgreSQL server (unused: PostgreSQL is linted offline).

    Returns:
        LintReport with the findings in revision order.

    Raises:
        MigrationError: unknown revision, no migrations folder, squawk failure, files that differ from
            ``schemaguard.sum`` (verified before anything is loaded).
    """
    from schemaguard.migrate import integrity
    from schemaguard.migrate.replay import run_alembic, scratch_database
    from schemaguard.migrate.runner import pending_revisions
    from schemaguard.migrate.writer import folder_dialect

    mdir = MigrationsDir.from_config(config, url=url)  # the folder of the target's dialect
    mdir.require()
    integrity.require_verified(mdir)
    d = folder_dialect(mdir, config, None)
    script = mdir.script()
    order = [s.revision for s in reversed(list(script.walk_revisions("base", "heads")))]
    if revisions:
        wanted = list(revisions)
    elif url is not None:
        from alembic.migration import MigrationContext

        from schemaguard.db import connect

        with connect(url, read_only=True) as conn:
            current = list(MigrationContext.configure(conn).get_current_heads())
        wanted = pending_revisions(mdir, current)
    else:
        wanted = order
    for r in wanted:
        if r not in order:
            raise MigrationError(f"unknown revision {r!r} (known: {', '.join(order) or 'none'})")
    report = LintReport(wanted)
    target = _Target(url, d)
    binary = squawk_binary() if d.squawk_lint else None
    if d.squawk_lint and binary is None:
        report.notes.append("squawk is not installed (pip install squawk-cli): PostgreSQL locking rules were skipped")
    for rev in wanted:
        sc = script.get_revision(rev)
        assert sc is not None
        down = sc.down_revision if isinstance(sc.down_revision, str) else None
        findings: list[Finding]
        if d.squawk_lint:
            buf = StringIO()
            run_alembic(
                mdir,
                "upgrade",
                f"{down}:{rev}" if down else rev,
                url=url or "postgresql://offline/lint",
                sql=True,
                output=buf,
            )
            statements = _parse_offline(buf.getvalue())
            findings = statement_rules(rev, statements, target)
            if binary is not None:
                findings = _merge(findings, run_squawk(rev, statements, binary), statements)
        else:
            findings = _lint_sqlite(mdir, d, config, rev, down, target, scratch_database)
        allow = _allowances(Path(sc.path))
        for f in findings:
            key = next((a for a in allow if a in (f.code, f.rule)), None)
            if key is not None:
                allow.remove(key)
                f.allowed = True
        report.findings += findings
    return report


def _lint_sqlite(
    mdir: MigrationsDir, d: Dialect, config: Config, rev: str, down: str | None, target: _Target, scratch_database: Any
) -> list[Finding]:
    import sqlalchemy as sa

    captured: list[str] = []
    with scratch_database(d) as scratch:
        if down:
            scratch.upgrade(mdir, down)
        before = scratch.inspect(config)
        conn = scratch.connection

        def listen(conn_: Any, cursor: Any, statement: str, *args: Any) -> None:
            captured.append(statement.strip().rstrip(";"))

        sa.event.listen(conn, "before_cursor_execute", listen)
        try:
            scratch.upgrade(mdir, rev)
        finally:
            sa.event.remove(conn, "before_cursor_execute", listen)
        after = scratch.inspect(config)
    statements = [
        s
        for s in captured
        if s.split(None, 1)[0].upper() in ("CREATE", "DROP", "ALTER", "INSERT", "UPDATE", "DELETE")
        and "alembic_version" not in s
        and not s.upper().startswith(("INSERT INTO _ALEMBIC_TMP", 'INSERT INTO "_ALEMBIC_TMP'))
    ]
    findings = statement_rules(rev, statements, target)
    rebuilt = {f.message.split()[1] for f in findings if f.code == "SG101"}
    rebuilt = {n for n in (t.name for t in before.tables) if n in rebuilt}
    return findings + rebuild_rules(rev, before, after, rebuilt, target)


__all__ = ["RULES", "Finding", "LintReport", "lint_revisions", "replace"]
