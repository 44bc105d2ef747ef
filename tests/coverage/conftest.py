"""Fixtures for the whole-database coverage tests: a PostgreSQL database holding one of every object type,
built once per module and cloned (``CREATE DATABASE ... TEMPLATE``) for each planted change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from tests.conftest import PG_ADMIN_URL, _require_pg, _with_db

EVERYTHING_SQL = """
CREATE EXTENSION btree_gist;
CREATE SCHEMA sales;
COMMENT ON SCHEMA sales IS 'the sales department';
CREATE DOMAIN posint AS integer DEFAULT 1 CONSTRAINT posint_check CHECK (VALUE > 0);
CREATE SEQUENCE ticket_seq INCREMENT 5 START 100;
CREATE TABLE customers (
    id serial PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    score posint
);
COMMENT ON TABLE customers IS 'people who buy';
CREATE TABLE sales.orders (
    id int PRIMARY KEY,
    customer_id int REFERENCES customers (id),
    amount numeric(10, 2),
    ticket bigint NOT NULL DEFAULT nextval('ticket_seq')
);
CREATE TABLE vip (level int) INHERITS (customers);
CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE bookings (room int, during tsrange, EXCLUDE USING gist (room WITH =, during WITH &&));
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY, entry text) WITH (fillfactor = 70);
CREATE VIEW sales.big_orders WITH (security_barrier = true) AS SELECT id, amount FROM sales.orders WHERE amount > 100;
CREATE VIEW sales.big_order_ids AS SELECT id FROM sales.big_orders;
CREATE VIEW active_customers AS SELECT id, name FROM customers WHERE score > 1 WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(amount) AS total FROM sales.orders GROUP BY 1;
CREATE INDEX order_totals_customer ON order_totals (customer_id);
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  NEW.entry := coalesce(NEW.entry, 'none');
  RETURN NEW;
END
$$;
CREATE PROCEDURE purge() LANGUAGE sql AS 'DELETE FROM audit_log';
CREATE AGGREGATE text_concat(text) (SFUNC = textcat, STYPE = text, INITCOND = '');
CREATE TRIGGER audit_stamp BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION stamp();
CREATE RULE no_delete AS ON DELETE TO sales.orders DO INSTEAD NOTHING;
ALTER TABLE sales.orders REPLICA IDENTITY FULL;
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON customers FOR SELECT USING (id > 0);
COMMENT ON VIEW active_customers IS 'customers with a score';
COMMENT ON FUNCTION add_one(integer) IS 'adds one';
"""
"""One of every object type the model covers, in two schemas (public and sales)."""


class Clones:
    """Databases created from a template on the test server, dropped at teardown."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        _require_pg()
        name = f"sgcov_{uuid.uuid4().hex[:12]}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(query)
        self.created.append(name)
        return _with_db(PG_ADMIN_URL, name)

    def drop_all(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in reversed(self.created):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def clones() -> Iterator[Clones]:
    c = Clones()
    yield c
    c.drop_all()


@pytest.fixture(scope="module")
def everything_url(clones: Clones) -> str:
    """URL of a database with EVERYTHING_SQL loaded (a template: connect to it only through :func:`clone`)."""
    url = clones.create()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(EVERYTHING_SQL)  # type: ignore[arg-type]
    return url


@pytest.fixture
def clone(clones: Clones, everything_url: str) -> Callable[[], str]:
    """Call it for a fresh copy of the EVERYTHING_SQL database."""
    template = everything_url.rsplit("/", 1)[1]
    return lambda: clones.create(template)
