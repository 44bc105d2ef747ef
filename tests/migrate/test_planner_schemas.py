"""Tables, enums and their parts outside the default schema: every planned statement names ``"sales"."orders"``,
never ``"sales.orders"``; ``diff --sql`` applied converges, and so do a generated revision's upgrade and downgrade.

Each change kind the planner has for a table is planted in the second schema: add/drop/alter column (type,
nullability, default), add/drop index, foreign key, check, primary key (renamed), unique, enum values added and
removed, a table created and one dropped. Before the fix a new schema's ``CREATE SCHEMA`` ran after the enum created
in it, and a default key name was derived from ``sales.customers`` (``"sales.customers_pkey"``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from tests.conftest import run_sql

V1 = """version: 1
enums:
  sales.state: [new, paid, void]
tables:
  sales.customers:
    columns:
      id:    {type: integer, primary_key: true}
      email: {type: text}
    indexes:
      - {name: customers_email_idx, columns: [email]}
  sales.orders:
    columns:
      id:       {type: integer, nullable: false}
      customer: {type: integer}
      state:    {type: "enum(sales.state)"}
      total:    {type: integer}
      gone:     {type: text}
      old_name: {type: text}
    primary_key: {name: orders_pkey, columns: [id]}
    checks:
      - {name: orders_total_check, expression: "total >= 0"}
  sales.legacy:
    columns:
      id: {type: integer, primary_key: true}
"""

V2 = """version: 1
enums:
  sales.state: [new, paid, shipped]
tables:
  sales.customers:
    columns:
      id:    {type: integer, primary_key: true}
      email: {type: text, unique: true}
    indexes:
      - {name: customers_email_lower_idx, columns: [id, email]}
  sales.orders:
    columns:
      id:       {type: integer, nullable: false}
      customer: {type: integer, references: sales.customers.id}
      state:    {type: "enum(sales.state)", default: new}
      total:    {type: bigint, nullable: false, default: 0}
      new_name: {type: text}
      note:     {type: "varchar(20)"}
    primary_key: {name: orders_pk, columns: [id]}
    indexes:
      - {name: orders_total_idx, columns: [total]}
    checks:
      - {name: orders_total_positive, expression: "total > 0"}
  sales.fresh:
    columns:
      id: {type: integer, primary_key: true}
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schemaguard", *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_diff_sql_in_a_second_schema_converges(make_project, pg_factory: Callable[[], str]) -> None:
    """``diff --sql`` from a database built from V1 to the V2 master: no ``"sales.`` anywhere, applies, no drift;
    a revision generated V1 → V2 upgrades, shows no drift, and downgrades back to V1 without drift."""
    p = make_project("postgresql")
    url = pg_factory()
    p.master(V1)
    assert p.run("migrate", "generate", "-m", "v1") == 0
    assert p.run("migrate", "upgrade", "--url", url) == 0
    run_sql(
        url,
        [
            "INSERT INTO sales.customers VALUES (1, 'a@example.com')",
            "INSERT INTO sales.orders (id, customer, state, total) VALUES (1, 1, 'paid', 5)",
        ],
    )
    assert p.run("diff", "--url", url) == 0
    p.master(V2)
    out = _cli("diff", "--url", url, "--sql")
    assert out.returncode == 1, out.stderr
    sql = out.stdout
    assert '"sales.' not in sql, sql
    assert '"sales"."orders"' in sql and '"sales"."state"' in sql, sql
    # a second database gets the same through the generated revision; this one through diff --sql
    run_sql(url, [sql])
    assert p.run("diff", "--url", url) == 0, sql

    url2 = pg_factory()
    p.master(V1)
    assert p.run("migrate", "upgrade", "--url", url2) == 0
    run_sql(
        url2,
        [
            "INSERT INTO sales.customers VALUES (1, 'a@example.com')",
            "INSERT INTO sales.orders (id, customer, state, total) VALUES (1, 1, 'paid', 5)",
        ],
    )
    p.master(V2)
    assert p.run("migrate", "generate", "-m", "v2") == 0
    text = p.revisions()[-1].read_text(encoding="utf-8")
    assert '"sales.' not in text, text
    assert p.run("migrate", "upgrade", "--url", url2) == 0
    assert p.run("diff", "--url", url2) == 0
    assert p.run("migrate", "downgrade", "0001", "--url", url2) == 0
    p.master(V1)
    assert p.run("diff", "--url", url2) == 0
