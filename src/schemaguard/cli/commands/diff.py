"""``schemaguard diff``: compare the master (or any source) with a database (or any source)."""

from __future__ import annotations

from typing import Annotated

import typer

from schemaguard.cli.commands.options import DialectName, NamespaceOpt, ReportFormat, TargetOpt, UrlOpt
from schemaguard.cli.context import STATE

DevUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--dev-url",
        help="PostgreSQL server where a .sql file of PostgreSQL DDL is loaded, in a scratch database"
        " (default: dev_url in the config).",
    ),
]


def diff(
    target: TargetOpt = None,
    url: UrlOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help="Actual (current) side: a URL or schema file.")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Desired side: a URL or schema file (default: the master).")
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.table,
    sql: Annotated[
        bool,
        typer.Option(
            "--sql",
            help="Print the SQL that turns the actual side into the desired one: alone on stdout (the report goes"
            " to stderr) in table format, inside the report in json/markdown.",
        ),
    ] = False,
    dialect: Annotated[
        DialectName | None, typer.Option("--dialect", "-d", help="Dialect when no database is involved.")
    ] = None,
    targets_file: Annotated[
        str | None, typer.Option("--targets-file", help="Fleet mode: diff every database URL in FILE (one per line).")
    ] = None,
    all_targets: Annotated[
        bool, typer.Option("--all-targets", help="Fleet mode: diff every configured target.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-j", min=1, help="Fleet mode: databases compared at once.")] = 8,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Fleet mode: compare only shard K of N of the targets (K/N, stable split)."),
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option("--compare", help="Also compare: privileges (grants and owners; off by default)."),
    ] = None,
    dev_url: DevUrlOpt = None,
    strict_coverage: Annotated[
        bool,
        typer.Option(
            "--strict-coverage", help="Exit 1 when anything present was not compared (see the coverage line)."
        ),
    ] = False,
    namespace: NamespaceOpt = None,
) -> int:
    """Report drift between the desired schema (default: the master) and the actual one (default: the target
    database). Exit 0 = no drift, 1 = drift, 2 = error."""
    from schemaguard import api
    from schemaguard.errors import ConfigError
    from schemaguard.loaders.sql_file import DevDatabaseNeeded

    given = [n for n, v in (("--target", target), ("--url", url), ("--from", from_)) if v]
    if len(given) > 1:
        raise ConfigError(f"{' and '.join(given)} both name the actual side: give one")
    if (targets_file or all_targets) and given:
        raise ConfigError(
            f"fleet mode ({'--targets-file' if targets_file else '--all-targets'}) and {given[0]} conflict"
        )
    if targets_file and all_targets:
        raise ConfigError("--targets-file and --all-targets conflict: give one")
    cfg = STATE.config()
    if dev_url:
        cfg = cfg.model_copy(update={"dev_url": dev_url})  # the option wins over the config key, as in migrate
    if compare:
        unknown = [c for c in compare if c != "privileges"]
        if unknown:
            raise typer.BadParameter(f"unknown {unknown[0]!r}; expected 'privileges'", param_hint="--compare")
        cfg = cfg.model_copy(update={"compare": sorted({*(getattr(cfg, "compare", None) or []), *compare})})
    if namespace is not None:
        # --schema a,b selects the PostgreSQL schemas of every database compared, as `schemas = [...]` in the
        # configuration does (and replaces it); `exclude_schemas` still applies.
        patterns = [p.strip() for p in namespace.split(",") if p.strip()]
        if not patterns:
            raise typer.BadParameter(
                "expected schema names or glob patterns separated by commas", param_hint="--schema"
            )
        cfg = cfg.model_copy(update={"schemas": patterns})
    if targets_file or all_targets:
        from schemaguard.cli.commands.report import emit_fleet
        from schemaguard.fleet import configured_targets, parse_shard, read_targets_file, run_fleet

        part = parse_shard(shard) if shard else None
        urls = read_targets_file(targets_file, part) if targets_file else configured_targets(cfg, part)
        fleet = run_fleet(cfg, urls, desired=to, workers=workers, with_sql=sql, allow_empty=part is not None)
        return emit_fleet(fleet.to_dict(), fmt, sql)
    actual = from_ or url
    if actual is None:
        actual, _ = cfg.resolve_url(target)
    try:
        report = api.diff(cfg, desired=to, actual=actual, dialect=dialect.value if dialect else None, with_sql=sql)
    except DevDatabaseNeeded as exc:
        server = _server_dialect(dialect.value if dialect else None, actual)
        if server is None:
            raise
        raise ConfigError(
            f"{exc.path}: a .sql file compared in {server} is loaded in a scratch {server} database: give --dev-url "
            "or set dev_url in schemaguard.toml (a server where schemaguard may CREATE DATABASE)"
        ) from None
    if fmt is ReportFormat.json:
        from schemaguard.report.json_report import render_diff_json

        typer.echo(render_diff_json(report))
    elif fmt is ReportFormat.markdown:
        from schemaguard.report.markdown import render_diff_markdown

        typer.echo(render_diff_markdown(report), nl=False)
    elif sql:
        from schemaguard.report.text import print_diff, render_sql_script

        # As migra and `prisma migrate diff --script`: the SQL alone on stdout (`diff --sql | psql` works),
        # the report on stderr.
        print_diff(report, STATE.err_console(), quiet=STATE.quiet, sql=False)
        if report.sql is None:  # e.g. a SQLite database compared with a PostgreSQL one: nothing to apply
            STATE.err_console().print("-- no SQL for this comparison", style="dim", highlight=False, markup=False)
        elif not report.sql:
            STATE.err_console().print("-- no statements needed", style="dim", highlight=False, markup=False)
        typer.echo(render_sql_script(report.sql or ()), nl=False)
    else:
        from schemaguard.report.text import print_diff

        print_diff(report, STATE.console(), quiet=STATE.quiet)
    uncompared = strict_coverage and report.coverage is not None and report.coverage.not_compared_total > 0
    return 1 if report.drift or uncompared else 0


def _server_dialect(named: str | None, actual: str) -> str | None:
    """The name of the server dialect (PostgreSQL) the comparison is in, from ``--dialect`` or the actual side's
    database URL; None when neither names one (a .sql file may then be SQLite DDL)."""
    from schemaguard.db import dialect_name, is_database
    from schemaguard.dialects import get_dialect

    for name in (named, dialect_name(actual) if is_database(actual) else None):
        if name and get_dialect(name).server:
            return get_dialect(name).name
    return None
