"""The pre-deploy gate: every check a deploy pipeline needs, in order, each with a verdict and a reason.

Checks (names are stable; the configuration refers to them):

1. ``master`` — the master loads and ``validate`` passes.
2. ``rendered`` — rendered variants committed in the repository are current (``render --check``).
3. ``migrations`` — the revisions are complete and intact (``migrate check``) and the ones not yet applied to
   the target are lint-clean (``migrate lint``).
4. ``drift`` — the target has no drift against the state it should be in: the master when every revision is
   applied, else the revisions' state at the target's current revision (pending revisions are not drift).
5. ``proofs`` — the proof checks of the backfills the configuration marks as required pass on the target.

The gate never changes the target: it introspects read-only and replays revisions only into scratch databases.

Configuration (``[gate]``)::

    skip = ["rendered"]              # checks not run at all
    advisory = ["migrations"]        # failures of these count as warnings
    required_proofs = ["phase-1-4"]  # backfills whose proofs must pass
    strict_coverage = true           # as --strict-coverage: anything present but not compared fails ``drift``

The ``drift`` check's coverage (issue 14 §5: what was compared on each side, and what was present but not
compared) is the report's ``coverage`` object, the same shape as ``schemaguard diff --format json`` gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaguard.config import Config
from schemaguard.diff.coverage import Coverage
from schemaguard.errors import SchemaError, SchemaGuardError
from schemaguard.model import SourceLocation

CHECKS = ("master", "rendered", "migrations", "drift", "proofs")


class Status(StrEnum):
    """A check's verdict."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class GateFinding:
    """One finding under a check.

    Attributes:
        severity: ``error``, ``warning`` or ``info``.
        message: one sentence.
        code: a rule code or change kind (``SG004``, ``column_missing``, ``MF103``), if any.
        table, object: what it is about, if anything.
        location: the master schema line it points at, if known (for GitHub annotations).
    """

    severity: str
    message: str
    code: str | None = None
    table: str | None = None
    object: str | None = None
    location: SourceLocation | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (see docs/gate-report.schema.json)."""
        loc = self.location
        return {
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
            "table": self.table,
            "object": self.object,
            "file": loc.path if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }


@dataclass
class GateCheck:
    """One row of the gate: name, verdict, one-line reason, seconds taken, findings."""

    name: str
    status: Status
    reason: str
    seconds: float = 0.0
    findings: list[GateFinding] = field(default_factory=list)
    advisory: bool = False
    unreachable: bool = False
    """The check could not run: the target could not be reached or is not configured (exit code 2)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "status": self.status.value,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "advisory": self.advisory,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class GateReport:
    """The gate's result. ``passed`` is False when a check failed (or warned, with ``strict``).

    Attributes:
        target: the checked URL, password masked; None when no target could be resolved.
        checks: one per name of :data:`CHECKS`, in order.
        strict: warnings fail the gate.
        coverage: what the ``drift`` check compared and did not (None when it did not get as far as comparing:
            skipped, or the target unreachable).
        strict_coverage: anything present but not compared failed the ``drift`` check.
    """

    target: str | None
    checks: list[GateCheck]
    strict: bool = False
    coverage: Coverage | None = None
    strict_coverage: bool = False

    @property
    def passed(self) -> bool:
        bad = {Status.FAIL, Status.WARN} if self.strict else {Status.FAIL}
        return not any(c.status in bad for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 go; 1 no-go; 2 when a check could not run because the target is unreachable or not configured
        (the project's contract: connection and configuration errors are exit 2)."""
        if any(c.unreachable and c.status is Status.FAIL for c in self.checks):
            return 2
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON report (schema: docs/gate-report.schema.json)."""
        counts = {s.value: sum(1 for c in self.checks if c.status is s) for s in Status}
        return {
            "schema_version": 2,
            "target": self.target,
            "passed": self.passed,
            "strict": self.strict,
            "strict_coverage": self.strict_coverage,
            "summary": counts,
            "checks": [c.to_dict() for c in self.checks],
            "coverage": self.coverage.to_dict() if self.coverage is not None else None,
        }


def _gate_config(config: Config) -> dict[str, Any]:
    raw = getattr(config, "gate", None)
    return raw if isinstance(raw, dict) else {}


def _check_names(gcfg: dict[str, Any], key: str) -> set[str]:
    # A misspelt check name would silently skip nothing (or everything advisory): refuse it.
    from schemaguard.errors import ConfigError

    names = gcfg.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"gate.{key} must be a list of check names ({', '.join(CHECKS)})")
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"gate.{key}: unknown check(s) {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    return set(names)


def run_gate(
    config: Config,
    *,
    target: str | None = None,
    url: str | None = None,
    strict: bool = False,
    strict_coverage: bool = False,
) -> GateReport:
    """Run every gate check in order.

    Args:
        config: the configuration.
        target, url: the database to check (default: the default target / DATABASE_URL); without one, the
            ``drift`` and ``proofs`` checks fail with the reason.
        strict: warnings fail the gate too.
        strict_coverage: objects present on either side but not compared (``coverage.not_compared``) fail the
            ``drift`` check, as ``diff --strict-coverage`` exits 1; ``gate.strict_coverage = true`` in the
            configuration does the same.

    Returns:
        GateReport; never raises for a failing check (the failure is the check's verdict).

    Raises:
        ConfigError: ``gate.skip`` / ``gate.advisory`` name an unknown check, a ``[gate]`` key is not a list
            of strings, or ``gate.strict_coverage`` is not a boolean.
    """
    from schemaguard.db import mask_url

    gcfg = _gate_config(config)
    skip = _check_names(gcfg, "skip")
    advisory = _check_names(gcfg, "advisory")
    proofs = gcfg.get("required_proofs", [])
    if not isinstance(proofs, list) or not all(isinstance(n, str) for n in proofs):
        from schemaguard.errors import ConfigError

        raise ConfigError("gate.required_proofs must be a list of backfill names")
    configured = gcfg.get("strict_coverage", False)
    if not isinstance(configured, bool):
        from schemaguard.errors import ConfigError

        raise ConfigError("gate.strict_coverage must be true or false")
    resolved: tuple[str, str | None] | None = None
    target_error: str | None = None
    try:
        resolved = config.resolve_url(target, url)
    except SchemaGuardError as exc:
        target_error = str(exc)
    ctx = _Context(config, resolved, target_error, gcfg, strict_coverage=strict_coverage or configured)
    steps: list[tuple[str, Callable[[_Context], GateCheck]]] = [
        ("master", _check_master),
        ("rendered", _check_rendered),
        ("migrations", _check_migrations),
        ("drift", _check_drift),
        ("proofs", _check_proofs),
    ]
    checks: list[GateCheck] = []
    for name, fn in steps:
        if name in skip:
            checks.append(GateCheck(name, Status.SKIP, "skipped by configuration (gate.skip)"))
            continue
        start = time.perf_counter()
        try:
            check = fn(ctx)
        except Exception as exc:
            from schemaguard.db import mask
            from schemaguard.errors import ConfigError, ConnectionFailed, InspectError, error_message

            check = GateCheck(name, Status.FAIL, mask(error_message(exc)[0]))
            # A check that could not run (target unreachable, not a database, misconfigured, or an error from
            # the layers below) is exit 2, not a verdict on the deploy.
            check.unreachable = isinstance(exc, ConnectionFailed | ConfigError | InspectError) or not isinstance(
                exc, SchemaGuardError
            )
            if isinstance(exc, SchemaError) and exc.path:
                loc = SourceLocation(exc.path, exc.line or 1, exc.column or 1)
                check.findings.append(GateFinding("error", exc.problem, table=None, location=loc))
        check.seconds = time.perf_counter() - start
        if name in advisory and check.status is Status.FAIL:
            check.status = Status.WARN
            check.advisory = True
            check.reason += " (advisory)"
        checks.append(check)
    return GateReport(mask_url(resolved[0]) if resolved else None, checks, strict, ctx.coverage, ctx.strict_coverage)


@dataclass
class _Context:
    config: Config
    resolved: tuple[str, str | None] | None
    target_error: str | None
    gate: dict[str, Any]
    master_ok: bool = True
    strict_coverage: bool = False
    coverage: Coverage | None = None

    def url(self) -> tuple[str, str | None]:
        if self.resolved is None:
            from schemaguard.errors import ConfigError

            raise ConfigError(self.target_error or "no target database")
        return self.resolved


def _check_master(ctx: _Context) -> GateCheck:
    from schemaguard import api
    from schemaguard.rules import RulesConfig, validate_schema

    try:
        schema, info = api.load_master_with_info(ctx.config)
    except SchemaGuardError:
        ctx.master_ok = False
        raise
    findings = validate_schema(schema, RulesConfig.from_mapping(getattr(ctx.config, "rules", None)), info=info)
    out = [
        GateFinding(f.severity.value, f.message, f.rule.split(" ", 1)[0], f.table, f.object, f.location)
        for f in findings
        if f.severity.value in ("error", "warning")
    ]
    errors = sum(1 for f in out if f.severity == "error")
    warnings = len(out) - errors
    n = len(schema.tables)
    if errors:
        return GateCheck(
            "master", Status.FAIL, f"{errors} house-rule errors, {warnings} warnings ({n} tables)", findings=out
        )
    if warnings:
        return GateCheck(
            "master", Status.WARN, f"master loads ({n} tables); {warnings} house-rule warnings", findings=out
        )
    return GateCheck("master", Status.PASS, f"master loads ({n} tables) and passes the house rules")


def _check_rendered(ctx: _Context) -> GateCheck:
    from schemaguard import api

    outputs = getattr(ctx.config, "render", None)
    if not (isinstance(outputs, dict) and outputs.get("outputs")):
        return GateCheck("rendered", Status.SKIP, "no rendered files configured ([[render.outputs]])")
    results = api.check_rendered(ctx.config)
    bad = [r for r in results if r.status != "ok"]
    if bad:
        findings = [
            GateFinding(
                "error",
                f"{r.path.name} is {r.status}: run `schemaguard render --all`",
                "render",
                object=_relative(r.path, ctx.config.root),
            )
            for r in bad
        ]
        return GateCheck(
            "rendered", Status.FAIL, f"{len(bad)} of {len(results)} rendered files out of date", findings=findings
        )
    return GateCheck("rendered", Status.PASS, f"{len(results)} rendered files up to date")


def _migrations_dir(config: Config, url: str | None = None) -> Any:
    from schemaguard.migrate.project import MigrationsDir

    mdir = MigrationsDir.from_config(config, url=url)  # the target's dialect's folder; DialectMismatch: none fits
    return mdir if mdir.exists and mdir.revision_files() else None


def _check_migrations(ctx: _Context) -> GateCheck:
    from schemaguard.db import dialect_name
    from schemaguard.migrate import runner
    from schemaguard.migrate.lint import lint_revisions

    url = ctx.resolved[0] if ctx.resolved else None
    from schemaguard.migrate.prisma_folder import gate_check

    prisma = gate_check(ctx.config, url) if url else None  # the target's _prisma_migrations vs prisma/migrations
    pfindings = [GateFinding(sev, msg, "prisma-migrate") for sev, msg in prisma.findings] if prisma else []
    mdir = _migrations_dir(ctx.config, url)
    if mdir is None:
        if prisma is not None:
            return GateCheck("migrations", Status(prisma.status), prisma.reason, findings=pfindings)
        return GateCheck("migrations", Status.SKIP, "no migrations folder with revisions")
    result = runner.check(ctx.config, dialect=mdir.dialect_name or (dialect_name(url) if url else None))
    findings = [GateFinding("error", p, "migrate-check") for p in result.problems()] + pfindings
    if result.integrity:  # lint would load the unverified files: the failed check is the verdict
        return GateCheck("migrations", Status.FAIL, f"migrate check failed: {result.problems()[0]}", findings=findings)
    report = lint_revisions(ctx.config, [], url=url)
    for f in report.findings:
        if f.allowed:
            continue
        findings.append(GateFinding(f.severity, f"{f.revision}: {f.message}", f.code))
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    linted = f"{len(report.revisions)} unapplied revision(s) linted"
    if not result.ok:
        return GateCheck("migrations", Status.FAIL, f"migrate check failed: {result.problems()[0]}", findings=findings)
    if errors:
        return GateCheck("migrations", Status.FAIL, f"{len(errors)} lint errors; {linted}", findings=findings)
    if warnings:
        return GateCheck(
            "migrations",
            Status.WARN,
            f"complete and intact; {len(warnings)} lint warnings; {linted}",
            findings=findings,
        )
    return GateCheck("migrations", Status.PASS, f"complete and intact; {linted}, clean", findings=findings)


def _check_drift(ctx: _Context) -> GateCheck:
    from schemaguard import api
    from schemaguard.db import dialect_name

    url, ns = ctx.url()
    actual = api.load_source(url, ctx.config, ns)
    master = api.load_master(ctx.config)
    desired = api.Source(master, ctx.config.master, None, "postgresql")
    from schemaguard.migrate.project import DialectMismatch

    try:
        mdir = _migrations_dir(ctx.config, url)
    except DialectMismatch:  # no revisions for this target's dialect: compared with the master alone
        mdir = None
    pending: list[str] = []
    from schemaguard.migrate.integrity import verify

    if mdir is not None and not verify(mdir):  # unverified revisions are not run (the migrations check fails)
        from schemaguard.migrate import runner
        from schemaguard.migrate.replay import replay_state
        from schemaguard.migrate.writer import dev_url_for, folder_dialect
        from schemaguard.model import Schema

        folder = folder_dialect(mdir, ctx.config, None)
        if folder.name == dialect_name(url):
            st = runner.status(ctx.config, url)
            pending = st.pending
            if pending:
                current = st.current[0] if st.current else None
                state = (
                    replay_state(mdir, folder, ctx.config, dev_url_for(ctx.config, None), revision=current)
                    if current
                    else Schema()
                )
                desired = api.Source(state, f"revisions at {current or 'base'}", None, folder.name)
    if mdir is None:  # Prisma migrations pending: compare with what the applied ones build
        from schemaguard.migrate.prisma_folder import applied_state
        from schemaguard.migrate.writer import dev_url_for as _dev_url

        prisma_state = applied_state(ctx.config, url, _dev_url(ctx.config, None))
        if prisma_state is not None:
            pending, state = prisma_state
            desired = api.Source(state, "applied Prisma migrations", None, dialect_name(url))
    report = api.diff_sources(desired, actual, ctx.config)
    findings = [
        GateFinding(c.severity.value, c.message, c.kind.value, c.table, c.object, _loc(c, master))
        for c in report.changes
    ]
    prefix = f"{len(pending)} pending revision(s), " if pending else ""
    # What was and was not compared (issue 14): the reason always says it, the report carries it.
    ctx.coverage = report.coverage
    covered = f"; {report.coverage.summary_line()}" if report.coverage is not None else ""
    uncompared = report.coverage.not_compared_total if report.coverage is not None else 0
    if ctx.strict_coverage and report.coverage is not None:
        findings += _coverage_findings(report.coverage)
    if report.drift:
        s = report.summary()
        return GateCheck(
            "drift",
            Status.FAIL,
            f"{prefix}{len(report.changes)} differences against {report.desired} "
            f"({s['error']} errors, {s['warning']} warnings){covered}",
            findings=findings,
        )
    if ctx.strict_coverage and uncompared:
        return GateCheck(
            "drift",
            Status.FAIL,
            f"{prefix}no drift ({report.dialect}) but {uncompared} object(s) not compared (strict coverage){covered}",
            findings=findings,
        )
    return GateCheck("drift", Status.PASS, f"{prefix}no drift ({report.dialect}){covered}")


def _coverage_findings(coverage: Coverage) -> list[GateFinding]:
    """One error finding per not-compared entry (strict coverage: each one fails the check)."""
    out = []
    for side, e in coverage.not_compared:
        shown = ", ".join(e.names[:10]) + (f" and {len(e.names) - 10} more" if len(e.names) > 10 else "")
        where = "" if side == "actual" else " (desired side)"
        out.append(
            GateFinding(
                "error",
                f"{len(e.names)} {e.what} not compared{where}: {e.reason}: {shown}",
                "not_compared",
                object=e.what,
            )
        )
    return out


def _loc(change: Any, master: Any) -> SourceLocation | None:
    for side in (change.desired, change.actual):
        loc = getattr(side, "loc", None)
        if loc is not None:
            return loc
    # Objects only the database has (a column added by hand), or a desired side replayed from revisions (no
    # source lines): point at the object, else its table, in the master.
    table = master.table(change.table) if change.table else None
    if table is None:
        return None
    column = next((c for c in table.columns if c.name == change.object), None)
    return column.loc if column is not None and column.loc is not None else table.loc


def _relative(path: Any, root: Any) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _check_proofs(ctx: _Context) -> GateCheck:
    required = list(ctx.gate.get("required_proofs", []))
    if not required:
        return GateCheck("proofs", Status.SKIP, "no backfill proofs required (gate.required_proofs)")
    from schemaguard.backfills.registry import get_backfill
    from schemaguard.backfills.runner import run_proofs

    url, ns = ctx.url()
    findings: list[GateFinding] = []
    failed_names = []
    for name in required:
        backfill = get_backfill(name, ctx.config)
        for result in run_proofs(backfill, url, ns):
            if result.passed:
                continue
            failed_names.append(f"{name}: {result.name}")
            for item in result.items:
                if item.passed is False:
                    # An item named like its check ("orphans: orphans: 3") is said once.
                    title = result.name if item.label == result.name else f"{result.name}: {item.label}"
                    findings.append(GateFinding("error", f"{title}: {item.value} (expected: {item.expected})", name))
    if failed_names:
        return GateCheck(
            "proofs",
            Status.FAIL,
            f"{len(failed_names)} proof check(s) failed: {'; '.join(failed_names)}",
            findings=findings,
        )
    return GateCheck("proofs", Status.PASS, f"all proofs of {', '.join(required)} pass")
