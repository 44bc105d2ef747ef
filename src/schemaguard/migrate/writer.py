"""``migrate generate``: replay the revisions, diff the result against the master, write the next revision.

The revision is an ordinary Alembic revision (``revision``/``down_revision``, ``upgrade()``/``downgrade()``) that
schemaguard writes itself, not through the folder's ``script.py.mako``: every piece of input (message, table and
column names, the master's path, SQL) enters the file as a ``repr()`` string literal or as an escaped comment line,
and the finished source is parsed and checked to hold only the expected statements before it is written
(``check_revision_source``). So no input can change what the file does, and a tampered template runs nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaguard.migrate.errors import MigrationError
from schemaguard.migrate.ops import (
    NATIVE_HELPER,
    Rename,
    Rendered,
    build_plan,
    rename_candidates,
    render_items,
    resolve_renames,
)
from schemaguard.migrate.project import MigrationsDir

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.dialects.base import Dialect
    from schemaguard.model import Schema


@dataclass
class GenerateResult:
    """What ``generate`` did.

    Attributes:
        revision: the new revision id, or None when the master and the revisions already agree.
        path: the revision file written (the primary dialect's, in the per-dialect layout).
        summary: one human line per change (the changelog entry; the primary dialect's).
        rename_hints: ``(table, old, new)`` dropped/added column pairs of one type, not treated as renames.
        changelog: the changelog entry written.
        created: files created for a new migrations folder (env.py, template, alembic.ini).
        paths: ``{dialect: revision file}`` for every folder written (one per dialect in the per-dialect layout).
        summaries: ``{dialect: change lines}`` of each folder's revision (they differ when the folders started
            from different baselines).
    """

    revision: str | None
    path: Path | None = None
    summary: list[str] = field(default_factory=list)
    rename_hints: list[tuple[str, str, str]] = field(default_factory=list)
    changelog: Path | None = None
    created: list[Path] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    summaries: dict[str, list[str]] = field(default_factory=dict)


def dev_url_for(config: Config, dev_url: str | None) -> str | None:
    """The scratch server URL: the option, else ``dev_url`` in the configuration (``${VAR}`` expanded)."""
    from schemaguard.config import expand_env

    value = dev_url or (config.model_extra or {}).get("dev_url")
    return expand_env(str(value), "dev_url") if value else None


def folder_dialect(mdir: MigrationsDir, config: Config, requested: str | None) -> Dialect:
    """The dialect of the folder: its own in the per-dialect layout, else the one its revisions record, else
    ``requested``, else the configured one.

    Raises:
        MigrationError: ``requested`` contradicts the folder's dialect.
    """
    from schemaguard.dialects import get_dialect

    recorded = mdir.dialect_name or mdir.dialect()
    if requested and recorded and get_dialect(requested).name != recorded:
        raise MigrationError(
            f"the revisions in {mdir.path} are for {recorded}, not {get_dialect(requested).name}: name both "
            'dialects in schemaguard.toml (dialects = ["sqlite", "postgresql"]) to get one migrations folder per '
            "dialect"
        )
    return get_dialect(recorded or requested or config.dialect)


def _revision_numbers(mdir: MigrationsDir) -> list[int]:
    return [int(m.group(1)) for f in mdir.revision_files() if (m := re.match(r"^(\d+)_", f.name))]


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"


def comment_line(text: str, prefix: str = "# ") -> str:
    """``text`` as one Python comment line that cannot end early: every character that is not printable (``\\n``,
    ``\\r``, U+2028, U+0085, form feed, NUL, lone surrogates ...) is written as its escape.

    Python ends a comment only at a line end (``\\n``, ``\\r``;
    https://docs.python.org/3/reference/lexical_analysis.html#physical-lines), and those are escaped here, so
    nothing after ``#`` can become code.
    """
    return prefix + "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


@dataclass(frozen=True)
class RevisionText:
    """Everything a revision file holds; ``source()`` builds the Python text.

    Attributes:
        revision: the revision id (``0002``).
        down_revision: the revision it follows, or None for the first.
        message: the user's message (any text; becomes the docstring as a ``repr()`` literal).
        create_date: ISO timestamp, UTC.
        dialect: the dialect name (recorded as ``# Dialect: NAME``, read back by ``MigrationsDir.dialect``).
        master: the master's path as configured (a comment).
        summary: one line per change (comments).
        imports: import lines the operations need (from Alembic's renderer, e.g. ``from sqlalchemy.dialects import
            postgresql``).
        helpers: extra module-level code from the renderer (``NATIVE_HELPER`` or empty).
        upgrades, downgrades: the bodies of ``upgrade()``/``downgrade()``, indented 4 spaces (Alembic's renderer,
            which writes every name and SQL text with ``repr()``).
        note: an extra comment (e.g. why a baseline revision is stamped, not run).
    """

    revision: str
    down_revision: str | None
    message: str
    create_date: str
    dialect: str
    master: str
    summary: tuple[str, ...]
    imports: tuple[str, ...]
    helpers: str
    upgrades: str
    downgrades: str
    note: str = ""

    def source(self) -> str:
        """The revision's Python source. The first two lines are fixed text (no user text can reach the lines
        Python reads an encoding declaration from, PEP 263)."""
        lines = [
            "# An Alembic revision generated by schemaguard; run `schemaguard migrate hash` after a reviewed edit.",
            f"# Dialect: {self.dialect}",
            comment_line(f"Revision {self.revision}, revises {self.down_revision or 'nothing'}, {self.create_date}"),
            comment_line(f"From the master {self.master}:"),
            *(comment_line(change, "#   - ") for change in self.summary),
            *([comment_line(self.note)] if self.note else []),
            repr(self.message),
            "from alembic import op",
            "import sqlalchemy as sa",
            *sorted(set(self.imports)),
            "",
            "# revision identifiers, used by Alembic.",
            f"revision = {self.revision!r}",
            f"down_revision = {self.down_revision!r}",
            "branch_labels = None",
            "depends_on = None",
            self.helpers.rstrip("\n"),
            "",
            "",
            "def upgrade():",
            _body(self.upgrades),
            "",
            "",
            "def downgrade():",
            _body(self.downgrades),
            "",
        ]
        return "\n".join(lines)


def _body(text: str) -> str:
    """A function body: Alembic's renderer indents every line but the first (its template supplies that one)."""
    text = text.strip("\n")
    if not text.strip():
        return "    pass"
    return text if text.startswith("    ") else "    " + text


# Names the operation bodies may use: Alembic's op/batch_op, SQLAlchemy, its dialect modules, the helper type.
_BODY_NAMES = frozenset({"op", "batch_op", "sa", "postgresql", "sqlite", "NativeType"})
_IDENTIFIERS = frozenset({"revision", "down_revision", "branch_labels", "depends_on"})
_EXPR_NODES = (
    ast.Call, ast.Attribute, ast.Name, ast.Constant, ast.keyword, ast.List, ast.Tuple, ast.Dict, ast.Load,
    ast.UnaryOp, ast.USub, ast.Starred,
)  # fmt: skip


def check_revision_source(source: str) -> None:
    """Parse a generated revision and check it holds only what schemaguard writes: a docstring, imports of
    ``alembic``/``sqlalchemy``, the four revision identifiers as literals, the ``NativeType`` helper exactly as
    ``NATIVE_HELPER`` defines it, and ``upgrade()``/``downgrade()`` whose statements are ``op.…(…)`` calls (or
    ``with op.batch_alter_table(…) as batch_op:`` blocks of ``batch_op.…(…)`` calls, or
    ``with op.get_context().autocommit_block():`` blocks of ``op`` calls) over literals and the names
    ``op``, ``batch_op``, ``sa``, ``postgresql``, ``sqlite``, ``NativeType``.

    Raises:
        MigrationError: anything else (a defect in the renderer: the file is not written).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise MigrationError(
            f"refusing to write a revision that does not parse (line {exc.lineno}): {exc.msg}"
        ) from None
    helper = ast.dump(ast.parse(NATIVE_HELPER).body[0])

    def bad(node: ast.AST, why: str) -> MigrationError:
        return MigrationError(
            f"refusing to write a revision with unexpected code at line {getattr(node, 'lineno', '?')}: {why}"
        )

    body = tree.body
    if not body or not (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                        and isinstance(body[0].value.value, str)):  # fmt: skip
        raise bad(tree, "no docstring")
    functions: set[str] = set()
    for node in body[1:]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.level:
                raise bad(node, "relative import")
            if not all(m.split(".")[0] in ("alembic", "sqlalchemy") for m in modules):
                raise bad(node, f"import of {', '.join(modules)}")
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if len(names) != 1 or len(node.targets) != 1 or names[0] not in _IDENTIFIERS:
                raise bad(node, "assignment other than the revision identifiers")
            literal = node.value
            items = literal.elts if isinstance(literal, ast.Tuple) else [literal]
            if not all(isinstance(e, ast.Constant) and (e.value is None or isinstance(e.value, str)) for e in items):
                raise bad(node, "revision identifier that is not a literal")
        elif isinstance(node, ast.ClassDef):
            if ast.dump(node) != helper:
                raise bad(node, f"class {node.name}")
        elif isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade") and node.name not in functions:
            functions.add(node.name)
            if (
                node.decorator_list
                or any(
                    (
                        node.args.posonlyargs,
                        node.args.args,
                        node.args.vararg,
                        node.args.kwonlyargs,
                        node.args.kwarg,
                        node.args.defaults,
                    )
                )
                or node.returns
            ):
                raise bad(node, f"{node.name}() with arguments or decorators")
            _check_body(node.body, "op", bad)
        else:
            raise bad(node, type(node).__name__)
    if functions != {"upgrade", "downgrade"}:
        raise bad(tree, "upgrade() or downgrade() missing")


def _check_body(statements: list[ast.stmt], receiver: str, bad: Any) -> None:
    for st in statements:
        if isinstance(st, ast.Pass):
            continue
        if isinstance(st, ast.Expr) and _is_call_on(st.value, receiver):
            _check_expr(st.value, bad)
            continue
        if (
            receiver == "op"
            and isinstance(st, ast.With)
            and len(st.items) == 1
            and _is_call_on(st.items[0].context_expr, "op", "batch_alter_table")
            and isinstance(st.items[0].optional_vars, ast.Name)
            and st.items[0].optional_vars.id == "batch_op"
        ):
            _check_expr(st.items[0].context_expr, bad)
            _check_body(st.body, "batch_op", bad)
            continue
        if receiver == "op" and isinstance(st, ast.With) and len(st.items) == 1 and _is_autocommit(st.items[0]):
            _check_body(st.body, "op", bad)  # statements PostgreSQL refuses in a transaction (CONCURRENTLY...)
            continue
        raise bad(st, f"statement {type(st).__name__} in a migration function")


def _is_autocommit(item: ast.withitem) -> bool:
    """``with op.get_context().autocommit_block():``"""
    call = item.context_expr
    return (
        item.optional_vars is None
        and isinstance(call, ast.Call)
        and not call.args
        and not call.keywords
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "autocommit_block"
        and _is_call_on(call.func.value, "op", "get_context")
        and isinstance(call.func.value, ast.Call)
        and not call.func.value.args
        and not call.func.value.keywords
    )


def _is_call_on(node: ast.expr, receiver: str, method: str | None = None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == receiver
        and (method is None or node.func.attr == method)
    )


def _check_expr(node: ast.expr, bad: Any) -> None:
    for sub in ast.walk(node):
        if not isinstance(sub, _EXPR_NODES):
            raise bad(sub, f"{type(sub).__name__} in an operation")
        if isinstance(sub, ast.Name) and sub.id not in _BODY_NAMES:
            raise bad(sub, f"name {sub.id!r} in an operation")
        if isinstance(sub, ast.Attribute) and sub.attr.startswith("_"):
            raise bad(sub, f"private attribute {sub.attr!r}")


@dataclass
class _Planned:
    """One folder's part of a ``generate``: the revision text and what it changes."""

    mdir: MigrationsDir
    dialect: Dialect
    head: str | None
    changes: bool
    summary: list[str]
    hints: list[tuple[str, str, str]]
    up: Rendered
    down: Rendered


def _plan_folder(
    mdir: MigrationsDir,
    d: Dialect,
    config: Config,
    master: Schema,
    dev_url: str | None,
    renames: Sequence[str],
    online: bool = True,
) -> _Planned:
    from alembic.util.exc import CommandError

    from schemaguard.migrate import changelog
    from schemaguard.migrate.replay import replay_state

    state = replay_state(mdir, d, config, dev_url)
    asked = [Rename.parse(r) for r in renames]
    _explain_renames(asked, state, master, mdir)
    wanted = resolve_renames(asked, state, master)
    up = build_plan(d, master, state, wanted, online=online)
    down = build_plan(d, state, master, [r.reverse() for r in wanted], online=online)
    heads: list[str] = []
    if mdir.exists:
        try:
            heads = list(mdir.script().get_heads())
        except CommandError as exc:
            raise MigrationError(f"{mdir.path}: {exc}") from None
    if len(heads) > 1:
        raise MigrationError(
            f"the revisions in {mdir.path} have several heads ({', '.join(heads)}): merge them first (alembic merge)"
        )
    return _Planned(
        mdir,
        d,
        heads[0] if heads else None,
        bool(up.changes or wanted),
        changelog.describe_plan(up.changes, wanted),
        [] if wanted else rename_candidates(up.changes, d),
        render_items(up.items, d.name),
        render_items(down.items, d.name),
    )


def _explain_renames(renames: Sequence[Rename], state: Schema, master: Schema, mdir: MigrationsDir) -> None:
    """A precise reason for a rename that cannot apply (before the planner's generic one).

    Raises:
        MigrationError: the table is unknown, the old column is not in the state the revisions build (a newer
            revision may already drop it), or the new one is not in the master.
    """
    for r in renames:
        if r.table is None:
            continue
        before, after = state.table(r.table), master.table(r.table)
        if before is None or after is None:
            where = "the revisions' state" if before is None else "the master"
            raise MigrationError(f"--rename {r.table}.{r.old}:{r.new}: there is no table {r.table} in {where}")
        if before.column(r.old) is None and before.column(r.new) is not None:
            raise MigrationError(
                f"--rename {r.table}.{r.old}:{r.new}: the revisions already replace {r.old} by {r.new} (the newest "
                "revision drops one and adds the other): remove it with `schemaguard migrate discard`, then run "
                "this command again"
            )
        if before.column(r.old) is None:
            raise MigrationError(f"--rename {r.table}.{r.old}:{r.new}: {r.table} has no column {r.old} in {mdir.path}")
        if after.column(r.new) is None:
            raise MigrationError(f"--rename {r.table}.{r.old}:{r.new}: the master has no column {r.table}.{r.new}")


def generate(
    config: Config,
    message: str,
    *,
    dialect: str | None = None,
    dev_url: str | None = None,
    renames: Sequence[str] = (),
    author: str | None = None,
    online: bool = True,
) -> GenerateResult:
    """Write the next revision: the difference between what the existing revisions build and the master.

    In the per-dialect layout (see :mod:`schemaguard.migrate.project`) one revision with the same id and message
    is written in every dialect's folder (one without changes for a dialect says so and does nothing), so the
    histories stay parallel; ``dialect`` limits it to one folder.

    Args:
        config: the configuration (``master``, ``migrations``, ``dialects``, ``dev_url``, ``changelog``).
        message: the revision message (any text: it is written as data, see :class:`RevisionText`).
        dialect: ``sqlite`` or ``postgresql``: the dialect of a new single folder, or the one folder to write in
            the per-dialect layout (default: every folder).
        dev_url: PostgreSQL server for the scratch database (default: ``dev_url`` of the configuration).
        renames: ``[table.]old:new`` column renames to apply instead of drop + add.
        author: the changelog author (default: from git).
        online: lock-safe DDL where the dialect has it (PostgreSQL: ``CONCURRENTLY``, ``NOT VALID`` + ``VALIDATE``,
            ``lock_timeout``; see :mod:`schemaguard.migrate.planner`); False for ``--no-online``.

    Returns:
        GenerateResult; ``revision`` None when there is nothing to generate. Nothing is written when it raises.

    Raises:
        MigrationError: tampered revisions (run ``migrate hash``), a failing revision, a rename that fits no
            table, PostgreSQL without a dev URL, no folder for ``dialect``.
        SchemaError: invalid master.
        ConfigError: an unknown dialect.
    """
    from schemaguard.api import filter_ignored, load_master
    from schemaguard.dialects import get_dialect
    from schemaguard.migrate import changelog, integrity

    # Everything is computed and checked first; files are written only once nothing can fail.
    dirs = MigrationsDir.all_for(config)
    if dialect and dirs[0].dialect_name is not None:
        dirs = [MigrationsDir.from_config(config, dialect)]
    for mdir in dirs:
        problems = integrity.verify(mdir)
        if problems:
            raise MigrationError("; ".join(_problem_text(p) for p in problems))
    master, _ = filter_ignored(load_master(config), config)
    scratch = dev_url_for(config, dev_url)
    planned = [
        _plan_folder(
            mdir,
            get_dialect(mdir.dialect_name) if mdir.dialect_name else folder_dialect(mdir, config, dialect),
            config,
            master,
            scratch,
            renames,
            online,
        )
        for mdir in dirs
    ]
    if not any(p.changes for p in planned):
        return GenerateResult(None)
    every = MigrationsDir.all_for(config)
    rev_id = f"{max((n for m in every for n in _revision_numbers(m)), default=0) + 1:04d}"
    slug = _slug(message)
    now = datetime.now(UTC)
    texts: list[tuple[_Planned, str]] = []
    for p in planned:
        text = RevisionText(
            revision=rev_id,
            down_revision=p.head,
            message=message,
            create_date=now.isoformat(timespec="seconds"),
            dialect=p.dialect.name,
            master=str(config.master),
            summary=tuple(p.summary),
            imports=tuple(sorted(p.up.imports | p.down.imports)),
            helpers=NATIVE_HELPER if (p.up.needs_native or p.down.needs_native) else "",
            upgrades=p.up.body,
            downgrades=p.down.body,
            note="" if p.changes else f"No changes for {p.dialect.name}: kept so every dialect has revision {rev_id}.",
        ).source()
        check_revision_source(text)
        texts.append((p, text))

    created: list[Path] = []
    paths: dict[str, Path] = {}
    created += MigrationsDir.write_alembic_ini(every)  # before the sums: they cover it
    for p, text in texts:
        if not p.mdir.exists:
            created += p.mdir.init()
        path = p.mdir.versions / f"{rev_id}_{slug}.py"
        path.write_text(text, encoding="utf-8")
        integrity.write_sum(p.mdir)
        paths[p.dialect.name] = path
    first = planned[0]
    summary = list(first.summary)
    for p in planned[1:]:  # lines only another dialect's revision has (a dialect-specific step)
        summary += [f"{line} ({p.dialect.name} only)" for line in p.summary if line not in first.summary]
    entry = changelog.Entry(
        rev_id,
        first.head,
        now.isoformat(timespec="seconds"),
        author if author is not None else changelog.git_author(first.mdir.root),
        message,
        ", ".join(p.dialect.name for p in planned),
        tuple(summary),
    )
    log = changelog.write_entry(changelog.changelog_dir(config), entry, slug)
    hints = list(dict.fromkeys(h for p in planned for h in p.hints))
    summaries = {p.dialect.name: list(p.summary) for p in planned}
    return GenerateResult(rev_id, paths[first.dialect.name], summary, hints, log, created, paths, summaries)


def _problem_text(problem: object) -> str:
    """An integrity problem, with the command that resolves a deliberately deleted revision."""
    text = str(problem)
    if getattr(problem, "kind", None) == "removed":
        name = getattr(problem, "file", "")
        return (
            f"revision {name} is listed in schemaguard.sum but its file is gone: if you deleted it on purpose, run "
            "`schemaguard migrate hash` (next time `schemaguard migrate discard` removes a revision and its entry)"
        )
    return text


@dataclass
class BaselineResult:
    """What ``baseline`` did.

    Attributes:
        revision: the revision id written (the first of its folder).
        path: the revision file.
        dialect: the database's dialect (the folder written).
        source: what the revision was built from (the masked database URL, or the master's path).
        tables: how many tables it creates.
        stamped: the masked URL of the database stamped as being at ``revision`` (without running it).
        created: files created for a new migrations folder.
        changelog: the changelog entry written.
    """

    revision: str
    path: Path
    dialect: str
    source: str
    tables: int
    stamped: str
    created: list[Path] = field(default_factory=list)
    changelog: Path | None = None


def baseline_schema(config: Config, url: str, dialect: Dialect, from_master: bool) -> tuple[Schema, str, str]:
    """What a baseline records: the live database's schema (ignore patterns applied), or with ``from_master``
    the master's, which must then match the database.

    Returns:
        ``(schema, the SQL syntax its expressions are written in, a label for the revision's header)``.

    Raises:
        MigrationError: ``from_master`` and the database differs from the master (a baseline from the master
            would mark those differences migrated).
        SchemaError, ConnectionFailed: the master or the database cannot be read.
    """
    from schemaguard.api import filter_ignored, load_master, load_source
    from schemaguard.db import mask_url
    from schemaguard.diff.differ import diff_schemas

    live = load_source(url, config)
    live_schema, _ = filter_ignored(live.schema, config)
    if not from_master:
        return live_schema, live.syntax, mask_url(url)
    master, _ = filter_ignored(load_master(config), config)
    drift = diff_schemas(master, live_schema, dialect, actual_syntax=live.syntax)
    if drift:
        raise MigrationError(
            f"{mask_url(url)} differs from the master in {len(drift)} way(s) (first: {drift[0].message}): "
            "a baseline from the master would mark them migrated; baseline what the database has "
            "(without --from-master), then `schemaguard migrate generate`"
        )
    return master, "postgresql", str(config.master)


def baseline(
    config: Config,
    url: str,
    *,
    from_master: bool = False,
    message: str = "baseline",
    dev_url: str | None = None,
    author: str | None = None,
) -> BaselineResult:
    """Adopt a database that has no migration history (``prisma db push``, hand-written DDL): write the first
    revision of its dialect's folder from what the database has (or from the master, ``from_master``), check
    that replaying it on an empty scratch database gives exactly that schema, and stamp the database as being at
    that revision without running it (``alembic stamp``; the changelog entry records it). The next ``generate``
    then writes only the difference between the database and the master. The role of Prisma's baselining
    (``migrate diff --from-empty`` + ``migrate resolve --applied``) and Alembic's ``stamp``.
    Sources: https://www.prisma.io/docs/orm/prisma-migrate/workflows/baselining,
    https://alembic.sqlalchemy.org/en/latest/cookbook.html#building-an-up-to-date-database-from-scratch

    Args:
        config: the configuration.
        url: the database to adopt (read; then only its ``alembic_version`` is written).
        from_master: build the revision from the master; refused when the database differs from it (the
            differences would never be migrated).
        message: the revision message.
        dev_url: PostgreSQL scratch server (default: ``dev_url`` of the configuration).
        author: the changelog author (default: from git).

    Returns:
        BaselineResult. Nothing is written (no file, no stamp) when it raises.

    Raises:
        MigrationError: the folder already has revisions, the database already has a revision, the revision
            does not reproduce the database (a change kind the planner cannot express), or ``from_master`` and
            the database differs from the master.
        MigrationsConfigError: no folder for the database's dialect; PostgreSQL without a dev URL.
        ConnectionFailed: the database cannot be reached.
    """
    import shutil
    import tempfile

    from schemaguard.db import dialect_name, mask_url
    from schemaguard.dialects import get_dialect
    from schemaguard.diff.differ import diff_schemas
    from schemaguard.migrate import changelog, integrity
    from schemaguard.migrate.project import ENV_PY
    from schemaguard.migrate.replay import replay_state, require_scratch, run_alembic
    from schemaguard.migrate.runner import current_revisions
    from schemaguard.model import Schema

    d = get_dialect(dialect_name(url))
    mdir = MigrationsDir.from_config(config, url=url)
    problems = integrity.verify(mdir)
    if problems:
        raise MigrationError("; ".join(_problem_text(p) for p in problems))
    if mdir.revision_files():
        raise MigrationError(
            f"{mdir.path} already has revisions: a baseline is the first revision of a folder (to adopt another "
            "database at the current revisions, `alembic stamp` it once its schema matches them)"
        )
    current = current_revisions(url)
    if current:
        raise MigrationError(f"{mask_url(url)} is already at revision {', '.join(current)}: it has a history")
    scratch = dev_url_for(config, dev_url)
    require_scratch(d, scratch)
    schema, syntax, source = baseline_schema(config, url, d, from_master)
    up = build_plan(d, schema, Schema(), online=False)
    down = build_plan(d, Schema(), schema, online=False)
    r_up, r_down = render_items(up.items, d.name), render_items(down.items, d.name)
    rev_id = "0001"  # the folder's first revision (ids are per folder; the next generate continues after all)
    slug = _slug(message)
    now = datetime.now(UTC)
    stamped = mask_url(url)
    summary = (
        f"baseline: {len(schema.tables)} tables from {'the master ' if from_master else 'the database '}{source}, "
        f"stamped as applied on {stamped} (not run there)",
    )
    text = RevisionText(
        revision=rev_id,
        down_revision=None,
        message=message,
        create_date=now.isoformat(timespec="seconds"),
        dialect=d.name,
        master=str(config.master),
        summary=summary,
        imports=tuple(sorted(r_up.imports | r_down.imports)),
        helpers=NATIVE_HELPER if (r_up.needs_native or r_down.needs_native) else "",
        upgrades=r_up.body,
        downgrades=r_down.body,
        note="Baseline: databases that already have this schema are stamped at this revision; an empty one is "
        "built by it.",
    ).source()
    check_revision_source(text)

    # The revision must rebuild exactly what it describes, or the next generate would be wrong: replay it first.
    tmp = Path(tempfile.mkdtemp(prefix="sg-baseline-"))
    try:
        probe = MigrationsDir(tmp, tmp / "migrations")
        probe.versions.mkdir(parents=True)
        (probe.path / "env.py").write_text(ENV_PY, encoding="utf-8")
        (probe.versions / f"{rev_id}_{slug}.py").write_text(text, encoding="utf-8")
        state = replay_state(probe, d, config, scratch)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    missed = diff_schemas(schema, state, d, desired_syntax=syntax)
    if missed:
        raise MigrationError(
            f"the baseline revision does not rebuild the database exactly ({len(missed)} difference(s), first: "
            f"{missed[0].message}): nothing was written"
        )

    written: list[Path] = []
    try:
        fresh = not mdir.exists
        if fresh:
            written += mdir.init()
        path = mdir.versions / f"{rev_id}_{slug}.py"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        written += MigrationsDir.write_alembic_ini(MigrationsDir.all_for(config))
        integrity.write_sum(mdir)
        run_alembic(mdir, "stamp", rev_id, url=url)
    except BaseException:
        for f in reversed(written):  # a failed command writes nothing
            f.unlink(missing_ok=True)
        if fresh:
            shutil.rmtree(mdir.path, ignore_errors=True)
        else:
            integrity.write_sum(mdir)
        raise
    entry = changelog.Entry(
        rev_id,
        None,
        now.isoformat(timespec="seconds"),
        author if author is not None else changelog.git_author(mdir.root),
        message,
        d.name,
        summary,
    )
    log = changelog.write_entry(changelog.changelog_dir(config), entry, slug)
    created = [f for f in written if f != path]
    return BaselineResult(rev_id, path, d.name, source, len(schema.tables), stamped, created, log)
