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
from schemaguard.migrate.ops import NATIVE_HELPER, Rename, build_plan, rename_candidates, render_items, resolve_renames
from schemaguard.migrate.project import MigrationsDir

if TYPE_CHECKING:
    from schemaguard.config import Config
    from schemaguard.dialects.base import Dialect


@dataclass
class GenerateResult:
    """What ``generate`` did.

    Attributes:
        revision: the new revision id, or None when the master and the revisions already agree.
        path: the revision file written.
        summary: one human line per change (the changelog entry).
        rename_hints: ``(table, old, new)`` dropped/added column pairs of one type, not treated as renames.
        changelog: the changelog entry written.
        created: files created for a new migrations folder (env.py, template, alembic.ini).
    """

    revision: str | None
    path: Path | None = None
    summary: list[str] = field(default_factory=list)
    rename_hints: list[tuple[str, str, str]] = field(default_factory=list)
    changelog: Path | None = None
    created: list[Path] = field(default_factory=list)


def dev_url_for(config: Config, dev_url: str | None) -> str | None:
    """The scratch server URL: the option, else ``dev_url`` in the configuration (``${VAR}`` expanded)."""
    from schemaguard.config import expand_env

    value = dev_url or (config.model_extra or {}).get("dev_url")
    return expand_env(str(value), "dev_url") if value else None


def folder_dialect(mdir: MigrationsDir, config: Config, requested: str | None) -> Dialect:
    """The dialect of the folder's revisions (recorded in each file), else ``requested``, else the configured one.

    Raises:
        MigrationError: ``requested`` contradicts the existing revisions.
    """
    from schemaguard.dialects import get_dialect

    recorded = mdir.dialect()
    if requested and recorded and get_dialect(requested).name != recorded:
        raise MigrationError(
            f"the revisions in {mdir.path} were generated for {recorded}, not {requested}: "
            "use one migrations folder per dialect (the `migrations` key of schemaguard.toml)"
        )
    return get_dialect(recorded or requested or config.dialect)


def _next_revision_id(mdir: MigrationsDir) -> str:
    numbers = [int(m.group(1)) for f in mdir.revision_files() if (m := re.match(r"^(\d+)_", f.name))]
    return f"{max(numbers, default=0) + 1:04d}"


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
    ``with op.batch_alter_table(…) as batch_op:`` blocks of ``batch_op.…(…)`` calls) over literals and the names
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
        raise bad(st, f"statement {type(st).__name__} in a migration function")


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


def generate(
    config: Config,
    message: str,
    *,
    dialect: str | None = None,
    dev_url: str | None = None,
    renames: Sequence[str] = (),
    author: str | None = None,
) -> GenerateResult:
    """Write the next revision: the difference between what the existing revisions build and the master.

    Args:
        config: the configuration (``master``, ``migrations``, ``dev_url``, ``changelog``).
        message: the revision message (also its file name slug).
        dialect: ``sqlite`` or ``postgresql`` for a new folder (default: the folder's, else ``config.dialect``).
        dev_url: PostgreSQL server for the scratch database (default: ``dev_url`` of the configuration).
        renames: ``[table.]old:new`` column renames to apply instead of drop + add.
        author: the changelog author (default: from git).

    Returns:
        GenerateResult; ``revision`` None when there is nothing to generate.

    Raises:
        MigrationError: tampered revisions (run ``migrate hash``), a failing revision, a rename that fits no
            table, PostgreSQL without a dev URL.
        SchemaError: invalid master.
    """
    from alembic.util.exc import CommandError

    from schemaguard.api import filter_ignored, load_master
    from schemaguard.migrate import changelog, integrity
    from schemaguard.migrate.replay import replay_state

    # Everything is computed and checked first; files are written only once nothing can fail.
    mdir = MigrationsDir.from_config(config)
    problems = integrity.verify(mdir)
    if problems:
        raise MigrationError("; ".join(str(p) for p in problems))
    d = folder_dialect(mdir, config, dialect)
    master, _ = filter_ignored(load_master(config), config)
    state = replay_state(mdir, d, config, dev_url_for(config, dev_url))
    wanted = resolve_renames([Rename.parse(r) for r in renames], state, master)
    up = build_plan(d, master, state, wanted)
    if not up.changes and not wanted:
        return GenerateResult(None)
    down = build_plan(d, state, master, [r.reverse() for r in wanted])
    hints = [] if wanted else rename_candidates(up.changes, d)
    summary = changelog.describe_plan(up.changes, wanted)
    r_up = render_items(up.items, d.name)
    r_down = render_items(down.items, d.name)
    heads: list[str] = []
    if mdir.exists:
        try:
            heads = list(mdir.script().get_heads())
        except CommandError as exc:
            raise MigrationError(str(exc)) from None
    if len(heads) > 1:
        raise MigrationError(f"the revisions have several heads ({', '.join(heads)}): merge them first (alembic merge)")
    rev_id = _next_revision_id(mdir)
    slug = _slug(message)
    now = datetime.now(UTC)
    text = RevisionText(
        revision=rev_id,
        down_revision=heads[0] if heads else None,
        message=message,
        create_date=now.isoformat(timespec="seconds"),
        dialect=d.name,
        master=str(config.master),
        summary=tuple(summary),
        imports=tuple(sorted(r_up.imports | r_down.imports)),
        helpers=NATIVE_HELPER if (r_up.needs_native or r_down.needs_native) else "",
        upgrades=r_up.body,
        downgrades=r_down.body,
    ).source()
    check_revision_source(text)

    created = [] if mdir.exists else mdir.init()
    path = mdir.versions / f"{rev_id}_{slug}.py"
    path.write_text(text, encoding="utf-8")
    integrity.write_sum(mdir)
    entry = changelog.Entry(
        rev_id,
        heads[0] if heads else None,
        now.isoformat(timespec="seconds"),
        author if author is not None else changelog.git_author(mdir.root),
        message,
        d.name,
        tuple(summary),
    )
    log = changelog.write_entry(changelog.changelog_dir(config), entry, slug)
    return GenerateResult(rev_id, path, summary, hints, log, created)
