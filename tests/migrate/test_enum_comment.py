"""A comment on an enum (``COMMENT ON TYPE``) whose enum the same plan creates is planned after the create, with
its reverse, on every path: ``diff --sql`` applied, and a generated Alembic revision upgraded and downgraded.
PostgreSQL only: SQLite has no enum types (https://www.postgresql.org/docs/current/sql-comment.html)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from schemaguard import api
from schemaguard.config import Config
from tests.helpers import apply_statements

MASTER = """version: 1
schemas:
  sales: {comment: the sales department}
enums:
  call_status:
    values: [open, closed]
    comment: Lifecycle of a call
  sales.stage:
    values: [lead, won]
    comment: "Sales stage, it's qualified"
tables:
  call:
    columns:
      id: {type: integer, primary_key: true}
      status: {type: call_status, nullable: false}
"""

_COMMENTS = """
SELECT n.nspname || '.' || t.typname, obj_description(t.oid, 'pg_type')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'e' ORDER BY 1
"""

_EXPECTED = [("public.call_status", "Lifecycle of a call"), ("sales.stage", "Sales stage, it's qualified")]


def _comments(url: str) -> list[tuple[str, str | None]]:
    with psycopg.connect(url) as conn:
        return [(r[0], r[1]) for r in conn.execute(_COMMENTS).fetchall()]


def test_sql_plan_comments_the_enums_it_creates(tmp_path, pg_factory: Callable[[], str]) -> None:
    path = tmp_path / "master.yaml"
    path.write_text(MASTER, encoding="utf-8")
    url = pg_factory()
    report = api.diff(Config(), desired=str(path), actual=url, with_sql=True)
    sql = list(report.sql or ())
    create = sql.index("CREATE TYPE \"call_status\" AS ENUM ('open', 'closed')")
    assert sql.index("COMMENT ON TYPE \"call_status\" IS 'Lifecycle of a call'") > create
    apply_statements(url, sql)
    assert _comments(url) == _EXPECTED
    assert api.diff(Config(), desired=str(path), actual=url).changes == ()


def test_revision_comments_the_enums_it_creates_and_downgrade_removes_them(
    make_project, pg_factory: Callable[[], str]
) -> None:
    p = make_project("postgresql")
    url = pg_factory()
    p.master(MASTER)
    assert p.run("migrate", "generate", "-m", "enums") == 0
    (rev,) = p.revisions()
    assert "COMMENT ON TYPE" in rev.read_text()
    assert p.run("migrate", "upgrade", "--url", url) == 0
    assert _comments(url) == _EXPECTED
    assert p.run("diff", "--url", url) == 0
    assert p.run("migrate", "downgrade", "base", "--url", url) == 0
    assert _comments(url) == []


def test_rendered_ddl_comments_enums_in_every_schema(tmp_path, pg_factory: Callable[[], str]) -> None:
    """``render`` once quoted ``sales.stage`` as one identifier in its COMMENT ON TYPE: the DDL did not apply
    (and a ``dev_url`` project could not normalise its master)."""
    path = tmp_path / "master.yaml"
    path.write_text(MASTER, encoding="utf-8")
    master = api.load_master(Config(), path, locations=False)
    url = pg_factory()
    apply_statements(url, api.render(master, "postgresql"))
    assert _comments(url) == _EXPECTED
    assert api.diff(Config(), desired=str(path), actual=url).changes == ()
