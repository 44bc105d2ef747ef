"""PostgreSQL introspection of everything beyond tables and enums: one bulk catalog query per object type.

Schemas, extensions, domains, sequences, views and materialized views, functions and procedures, triggers,
rules, policies and row-level security, exclusion constraints, partitions, inheritance, partitioning, table
options, column collations; and, for the coverage report, what is present but not compared (objects in schemas
that were not selected, object types without a model, privileges). Definitions are read in the server's own
words (``pg_get_viewdef``, ``pg_get_functiondef``, ``pg_get_triggerdef``, ``pg_get_ruledef``,
``pg_get_constraintdef``, ``pg_get_partkeydef``), so two databases compare in the same terms.

Objects that belong to an extension (``pg_depend.deptype = 'e'``) are the extension's and are not listed; the
extension itself is. Owned sequences with default parameters are implied by their serial/identity column and
are not listed either (the column's ``autoincrement`` says it); a sequence whose parameters differ is.

Source: https://www.postgresql.org/docs/15/catalogs.html, https://www.postgresql.org/docs/15/functions-info.html
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from schemaguard.model import DbObject, NotCompared, ObjectKind, make_object
from schemaguard.model.naming import qualify as key_qualify

_NS = "CAST(:nsoids AS oid[])"


def _not_extension_owned(catalog: str, oid: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.{catalog}'::regclass"
        f" AND x.objid = {oid} AND x.deptype = 'e')"
    )


def _comment(catalog: str, oid: str, alias: str = "d") -> str:
    return (
        f"LEFT JOIN pg_catalog.pg_description {alias} ON {alias}.objoid = {oid}"
        f" AND {alias}.classoid = 'pg_catalog.{catalog}'::regclass AND {alias}.objsubid = 0"
    )


# Views ('v') and materialized views ('m'): the SELECT as the server deparses it, options, comment, and for a
# materialized view its indexes (pg_get_indexdef text, sorted).
VIEWS_SQL = f"""
SELECT n.nspname, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid) AS definition, c.reloptions,
       d.description AS comment,
       CASE WHEN c.relkind = 'm' THEN ARRAY(
         SELECT pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i
         WHERE i.indrelid = c.oid ORDER BY 1) END AS indexes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_class", "c.oid")}
WHERE c.relnamespace = ANY({_NS}) AND c.relkind IN ('v', 'm') AND {_not_extension_owned("pg_class", "c.oid")}
"""

# Functions, procedures and window functions (aggregates have no CREATE FUNCTION form: reported as not compared).
# A function another object created as part of itself (deptype 'i': a range type's constructors) is that object's,
# not the database's own: CREATE TYPE ... AS RANGE makes it again
# (https://www.postgresql.org/docs/current/catalog-pg-depend.html).
FUNCTIONS_SQL = f"""
SELECT n.nspname, p.proname, p.prokind,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       l.lanname, p.provolatile, p.prosecdef, p.proisstrict, p.proparallel, p.proconfig,
       pg_catalog.pg_get_functiondef(p.oid) AS definition, d.description AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
{_comment("pg_proc", "p.oid")}
WHERE p.pronamespace = ANY({_NS}) AND p.prokind IN ('f', 'p', 'w') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
  WHERE x.classid = 'pg_catalog.pg_proc'::regclass AND x.objid = p.oid AND x.deptype IN ('e', 'i'))
"""

# Plain aggregates (aggkind 'n'; ordered-set and hypothetical-set ones are reported as not compared), with the
# CREATE AGGREGATE text assembled from pg_aggregate (the server has no pg_get_aggregatedef).
AGGREGATES_SQL = f"""
SELECT n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
       'CREATE AGGREGATE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
       || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ') (SFUNC = '
       || a.aggtransfn::regproc::text || ', STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL)
       || CASE WHEN a.aggfinalfn <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::regproc::text ELSE '' END
       || CASE WHEN a.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text ELSE '' END
       || CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || pg_catalog.quote_literal(a.agginitval)
               ELSE '' END
       || CASE WHEN a.aggsortop <> 0 THEN ', SORTOP = OPERATOR(' || a.aggsortop::regoperator::text || ')'
               ELSE '' END
       || CASE p.proparallel WHEN 's' THEN ', PARALLEL = SAFE' WHEN 'r' THEN ', PARALLEL = RESTRICTED' ELSE '' END
       || ')' AS definition,
       d.description AS comment
FROM pg_catalog.pg_aggregate a
JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
{_comment("pg_proc", "p.oid")}
WHERE p.pronamespace = ANY({_NS}) AND a.aggkind = 'n' AND {_not_extension_owned("pg_proc", "p.oid")}
"""

# User triggers (internal ones implement foreign keys; clones on partitions come with the parent's trigger).
# tgparentid exists from PostgreSQL 13.
TRIGGERS_SQL = f"""
SELECT n.nspname, c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid) AS definition, t.tgenabled,
       t.tgconstraint <> 0 AS is_constraint, d.description AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_trigger", "t.oid")}
WHERE c.relnamespace = ANY({_NS}) AND NOT t.tgisinternal AND t.tgparentid = 0
  AND {_not_extension_owned("pg_trigger", "t.oid")}
"""

# Sequences with their parameters and the column that owns them ('a' OWNED BY / serial, 'i' identity).
SEQUENCES_SQL = f"""
SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL) AS data_type, s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle, own.deptype AS owner_deptype, oc.relname AS owner_table,
       onsp.nspname AS owner_nspname, oa.attname AS owner_column, d.description AS comment
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend own
  ON own.classid = 'pg_catalog.pg_class'::regclass AND own.objid = c.oid AND own.deptype IN ('a', 'i')
 AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.refobjsubid > 0
LEFT JOIN pg_catalog.pg_class oc ON oc.oid = own.refobjid
LEFT JOIN pg_catalog.pg_namespace onsp ON onsp.oid = oc.relnamespace
LEFT JOIN pg_catalog.pg_attribute oa ON oa.attrelid = own.refobjid AND oa.attnum = own.refobjsubid
{_comment("pg_class", "c.oid")}
WHERE c.relnamespace = ANY({_NS}) AND {_not_extension_owned("pg_class", "c.oid")}
  -- an owned or used sequence with CREATE SEQUENCE's default parameters is implied by its column (see
  -- sequence_defaults): left out here, where thousands of serial columns would each cost a row
  AND NOT (s.seqstart = 1 AND s.seqincrement = 1 AND s.seqmin = 1 AND s.seqcache = 1 AND NOT s.seqcycle
           AND s.seqmax = CASE s.seqtypid WHEN 'pg_catalog.int2'::regtype THEN 32767
                                          WHEN 'pg_catalog.int4'::regtype THEN 2147483647
                                          ELSE 9223372036854775807 END
           AND d.description IS NULL
           AND (own.deptype IS NOT NULL
                -- used by one column default alone and named as that column's serial sequence would be (the
                -- column is then its serial: inspect.COLUMNS_SQL); one several share, or named otherwise, is listed
                OR ((SELECT count(*) FROM pg_catalog.pg_depend dd
                     WHERE dd.refclassid = 'pg_catalog.pg_class'::regclass AND dd.refobjid = c.oid
                       AND dd.refobjsubid = 0
                       AND dd.classid::bigint = 'pg_catalog.pg_attrdef'::regclass::oid::bigint) = 1
                    AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend dd
                                JOIN pg_catalog.pg_attrdef ad ON ad.oid = dd.objid
                                JOIN pg_catalog.pg_class tc ON tc.oid = ad.adrelid
                                JOIN pg_catalog.pg_attribute ta ON ta.attrelid = ad.adrelid AND ta.attnum = ad.adnum
                                WHERE dd.refclassid = 'pg_catalog.pg_class'::regclass AND dd.refobjid = c.oid
                                  AND dd.refobjsubid = 0
                                  AND dd.classid::bigint = 'pg_catalog.pg_attrdef'::regclass::oid::bigint
                                  AND c.relname = tc.relname || '_' || ta.attname || '_seq'))))
"""

# Domains: base type, NOT NULL, default, collation when not the base type's, named checks.
DOMAINS_SQL = f"""
SELECT n.nspname, t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type, t.typnotnull,
       t.typdefault,
       CASE WHEN t.typcollation <> bt.typcollation THEN co.collname END AS collation,
       ARRAY(SELECT con.conname || ': ' || pg_catalog.pg_get_constraintdef(con.oid)
             FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'
             ORDER BY con.conname) AS checks,
       d.description AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
{_comment("pg_type", "t.oid")}
WHERE t.typnamespace = ANY({_NS}) AND t.typtype = 'd' AND {_not_extension_owned("pg_type", "t.oid")}
"""

# Composite types (CREATE TYPE ... AS (...)): their attributes in order, as CREATE TYPE would list them.
COMPOSITE_TYPES_SQL = f"""
SELECT n.nspname, t.typname,
       '(' || COALESCE((SELECT string_agg(pg_catalog.quote_ident(a.attname) || ' '
                                 || pg_catalog.format_type(a.atttypid, a.atttypmod)
                                 || CASE WHEN a.attcollation <> at.typcollation
                                         THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
                                 ', ' ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
               WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')' AS definition,
       d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_type t ON t.oid = c.reltype
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
{_comment("pg_type", "t.oid")}
WHERE c.relnamespace = ANY({_NS}) AND c.relkind = 'c' AND {_not_extension_owned("pg_type", "t.oid")}
"""

# Extensions are database-wide. plpgsql is in every database (template1), so it is no difference.
EXTENSIONS_SQL = """
SELECT e.extname, n.nspname, e.extversion
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
"""

# Row-level security policies. polroles {0} means PUBLIC.
POLICIES_SQL = f"""
SELECT n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive,
       CASE WHEN p.polroles = '{{0}}'::oid[] THEN ARRAY['public']
            ELSE ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = ANY(p.polroles)
                       ORDER BY 1) END AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       d.description AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_policy", "p.oid")}
WHERE c.relnamespace = ANY({_NS})
"""

# Rules (a view's own _RETURN rule is the view).
RULES_SQL = f"""
SELECT n.nspname, c.relname, r.rulename, pg_catalog.pg_get_ruledef(r.oid) AS definition, r.ev_enabled,
       d.description AS comment
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_rewrite", "r.oid")}
WHERE c.relnamespace = ANY({_NS}) AND r.rulename <> '_RETURN' AND {_not_extension_owned("pg_rewrite", "r.oid")}
"""

# Exclusion constraints (the other constraint types are part of the table model).
EXCLUSIONS_SQL = f"""
SELECT n.nspname, c.relname, con.conname, pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       d.description AS comment
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_constraint", "con.oid")}
WHERE c.relnamespace = ANY({_NS}) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND con.contype = 'x' AND con.conparentid = 0
"""

# Table properties, only for tables that have one: row-level security, UNLOGGED, storage options, REPLICA IDENTITY,
# parents
# (inheritance, in inhseqno order), partition key, and for a partition its parent, bound and own indexes: those not
# attached to an index of its parent (pg_inherits on the index: the parent's index made or adopted them) and not
# backing a constraint of its own, in pg_get_indexdef's words (ON ONLY dropped from a sub-partitioned one's: a
# created one cascades). Source: https://www.postgresql.org/docs/15/ddl-partitioning.html (5.11.2.2),
# https://www.postgresql.org/docs/15/catalog-pg-inherits.html
TABLE_PROPERTIES_SQL = f"""
SELECT n.nspname, c.relname, c.relkind, c.relispartition, c.relrowsecurity, c.relforcerowsecurity,
       c.relpersistence, c.reloptions, c.relreplident,
       (SELECT ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = c.oid AND i.indisreplident) AS replident_index,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT pn.nspname::text FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parent_nspnames,
       ARRAY(SELECT pc.relname::text FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno) AS parent_names,
       CASE WHEN c.relispartition THEN ARRAY(
         SELECT CASE WHEN ic.relkind = 'I'
                     THEN regexp_replace(pg_catalog.pg_get_indexdef(i.indexrelid),
                                         '^(CREATE (UNIQUE )?INDEX ("([^"]|"")+"|[^ "]+) ON) ONLY ', '\\1 ')
                     ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END
         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                           WHERE k.conindid = i.indexrelid AND k.conrelid = c.oid)
         ORDER BY 1) END AS partition_indexes,
       d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_comment("pg_class", "c.oid")}
WHERE c.relnamespace = ANY({_NS}) AND c.relkind IN ('r', 'p')
  AND (c.relrowsecurity OR c.relforcerowsecurity OR c.relkind = 'p' OR c.relispartition
       OR c.reloptions IS NOT NULL OR c.relpersistence = 'u' OR c.relreplident <> 'd'
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid))
  AND {_not_extension_owned("pg_class", "c.oid")}
"""

# Comments on what is no model object of its own (each a COMMENT object keyed by its relation): constraints of the
# inspected tables (primary key, unique, foreign key, check; exclusion constraints are objects with their
# comment), indexes of those tables and of materialized views, columns of views and materialized views. Read from
# pg_description, which holds only the comments there are. Source: https://www.postgresql.org/docs/15/sql-comment.html
_RELATION_SCOPE = (
    f"c.relnamespace = ANY({_NS}) AND NOT c.relispartition AND {_not_extension_owned('pg_class', 'c.oid')}"
)
OTHER_COMMENTS_SQL = f"""
SELECT 'constraint' AS target, n.nspname, c.relname, con.conname AS name, d.description AS comment
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_constraint con ON d.classoid = 'pg_catalog.pg_constraint'::regclass AND con.oid = d.objoid
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND {_RELATION_SCOPE}
UNION ALL
SELECT 'index', n.nspname, c.relname, ic.relname, d.description
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class ic
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND ic.oid = d.objoid AND d.objsubid = 0 AND ic.relkind IN ('i', 'I')
JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND {_RELATION_SCOPE}
UNION ALL
SELECT 'column', n.nspname, c.relname, a.attname, d.description
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c
  ON d.classoid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objoid AND d.objsubid > 0 AND c.relkind IN ('v', 'm')
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND NOT a.attisdropped
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {_RELATION_SCOPE}
"""

# Names of the collations that columns use instead of their type's (the columns come with the columns query),
# with the definition of those a CREATE COLLATION made (provider, locale, deterministic): a column using one can
# only be created where it exists. The locale is read through to_jsonb, as its column changed between releases
# (collcollate/collctype; colliculocale in 15 and 16; colllocale from 17).
# Source: https://www.postgresql.org/docs/15/catalog-pg-collation.html
COLLATION_NAMES_SQL = f"""
SELECT co.oid, n.nspname, co.collname, co.collprovider, co.collisdeterministic,
       COALESCE(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale') AS icu_locale,
       co.collcollate, co.collctype,
       n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
         AND {_not_extension_owned("pg_collation", "co.oid")} AS user_made
FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE co.oid = ANY(CAST(:oids AS oid[]))
   -- and every collation CREATE COLLATION made in the inspected schemas (:nsoids is empty unless there are some)
   OR (co.collnamespace = ANY({_NS}) AND {_not_extension_owned("pg_collation", "co.oid")})
"""

_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin", "d": None}
"""``pg_collation.collprovider``: libc, ICU, builtin (PostgreSQL 17), d the database default."""

_USER_NS = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'"
_SELECTED = f"n.oid = ANY({_NS})"

# What is present but not compared: every object of a schema that was not selected, object types the model has
# no kind for, and (unless privileges are compared) objects carrying explicit grants. One row per object:
# (nspname, name, what, selected). User casts are the pg_cast rows from FirstNormalObjectId (16384; below are
# built in) that neither an extension nor another object (a range type's cast to its multirange) created
# (https://www.postgresql.org/docs/current/catalog-pg-cast.html).
NOT_COMPARED_SQL = f"""
SELECT n.nspname, c.relname::text AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
            ELSE 'composite type' END AS what, {_SELECTED} AS selected
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND NOT c.relispartition AND {_USER_NS}
  AND (NOT {_SELECTED} OR c.relkind = 'f') AND {_not_extension_owned("pg_class", "c.oid")}
  AND {_not_extension_owned("pg_type", "c.reltype")}
UNION ALL
SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' ELSE 'function' END, {_SELECTED}
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {_USER_NS} AND {_not_extension_owned("pg_proc", "p.oid")}
  AND (NOT {_SELECTED} OR (p.prokind = 'a' AND EXISTS (SELECT 1 FROM pg_catalog.pg_aggregate ag
                                                       WHERE ag.aggfnoid = p.oid AND ag.aggkind <> 'n')))
UNION ALL
SELECT n.nspname, t.typname::text,
       CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type'
            ELSE 'base type' END, {_SELECTED}
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE {_USER_NS} AND t.typtype IN ('e', 'd', 'r', 'b') AND (t.typtype <> 'b' OR t.typelem = 0)
  AND (NOT {_SELECTED} OR t.typtype IN ('r', 'b')) AND {_not_extension_owned("pg_type", "t.oid")}
UNION ALL
SELECT n.nspname, o.oprname::text, 'operator', {_SELECTED}
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE {_USER_NS} AND {_not_extension_owned("pg_operator", "o.oid")}
UNION ALL
SELECT n.nspname, co.collname::text, 'collation', {_SELECTED}
FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE {_USER_NS} AND {_not_extension_owned("pg_collation", "co.oid")}
UNION ALL
SELECT n.nspname, ts.cfgname::text, 'text search configuration', {_SELECTED}
FROM pg_catalog.pg_ts_config ts JOIN pg_catalog.pg_namespace n ON n.oid = ts.cfgnamespace
WHERE {_USER_NS} AND {_not_extension_owned("pg_ts_config", "ts.oid")}
UNION ALL
SELECT n.nspname, st.stxname::text, 'statistics object', {_SELECTED}
FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
WHERE {_USER_NS}
UNION ALL
SELECT '', evtname::text, 'event trigger', true FROM pg_catalog.pg_event_trigger
UNION ALL
SELECT '', pubname::text, 'publication', true FROM pg_catalog.pg_publication
UNION ALL
SELECT '', srvname::text, 'foreign server', true FROM pg_catalog.pg_foreign_server
UNION ALL
SELECT '', pg_catalog.format_type(ca.castsource, NULL) || ' AS ' || pg_catalog.format_type(ca.casttarget, NULL),
       'cast', true
FROM pg_catalog.pg_cast ca
WHERE ca.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
  WHERE x.classid = 'pg_catalog.pg_cast'::regclass AND x.objid = ca.oid AND x.deptype IN ('e', 'i'))
UNION ALL
SELECT n.nspname, c.relname::text, 'privileges', true
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {_SELECTED} AND c.relacl IS NOT NULL AND NOT c.relispartition AND :privileges_hidden
UNION ALL
SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', 'privileges',
       true
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {_SELECTED} AND p.proacl IS NOT NULL AND :privileges_hidden
UNION ALL
SELECT '', n.nspname, 'privileges', true FROM pg_catalog.pg_namespace n
WHERE {_SELECTED} AND n.nspacl IS NOT NULL AND n.nspname <> 'public' AND :privileges_hidden
"""

# Explicit grants (ACLs) on the selected schemas' tables, views, sequences, functions and on the schemas, compared
# only with --compare privileges (they differ between environments by design).
PRIVILEGES_SQL = f"""
SELECT n.nspname, c.relname::text AS name, c.relacl::text[] AS acl, pg_catalog.pg_get_userbyid(c.relowner) AS owner
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE {_SELECTED} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
  AND {_not_extension_owned("pg_class", "c.oid")}
UNION ALL
SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       p.proacl::text[], pg_catalog.pg_get_userbyid(p.proowner)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE {_SELECTED} AND {_not_extension_owned("pg_proc", "p.oid")}
UNION ALL
SELECT NULL, n.nspname::text, n.nspacl::text[], pg_catalog.pg_get_userbyid(n.nspowner)
FROM pg_catalog.pg_namespace n WHERE {_SELECTED}
"""

_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
_KINDS = {"f": ObjectKind.FUNCTION, "w": ObjectKind.FUNCTION, "p": ObjectKind.PROCEDURE}
_TRIGGER_ENABLED = {"D": "disabled", "R": "replica", "A": "always"}  # 'O' (origin: the default) is left out
_POLICY_COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}
_SEQ_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def sequence_defaults(data_type: str) -> dict[str, str]:
    """The parameters ``CREATE SEQUENCE`` gives an ascending sequence of ``data_type`` when none are given
    (start 1, increment 1, min 1, max the type's largest value, cache 1, no cycle).

    Source: https://www.postgresql.org/docs/15/sql-createsequence.html
    """
    return {
        "data_type": data_type,
        "start": "1",
        "increment": "1",
        "min": "1",
        "max": str(_SEQ_MAX.get(data_type, _SEQ_MAX["bigint"])),
        "cache": "1",
        "cycle": "false",
    }


def inspect_objects(
    run: Callable[[str, Mapping[str, Any]], Iterable[Any]],
    nsoids: Sequence[int],
    qualify: Callable[[str, str], str],
) -> list[DbObject]:
    """Every object beyond tables and enums in the namespaces ``nsoids``: one query per object type, plus one for
    the comments on constraints, indexes and view columns (COMMENT objects, :data:`OTHER_COMMENTS_SQL`).

    Args:
        run: runs one catalog query with its parameters and returns its rows (errors already translated).
        nsoids: the inspected namespaces' oids.
        qualify: ``(nspname, name) -> key`` (bare in the default namespace, ``schema.name`` elsewhere).

    Returns:
        The objects, sorted by key.
    """
    bind = {"nsoids": list(nsoids)}
    out: list[DbObject] = []
    for r in run(OTHER_COMMENTS_SQL, bind):
        relation = qualify(r.nspname, r.relname)
        out.append(make_object(ObjectKind.COMMENT, f"{r.target} {r.name}", table=relation, comment=r.comment))
    for r in run(VIEWS_SQL, bind):
        options = _options(r.reloptions)
        attrs: dict[str, Any] = {k: options.get(k) for k in ("check_option", "security_barrier", "security_invoker")}
        kind = ObjectKind.VIEW
        if r.relkind == "m":
            kind = ObjectKind.MATERIALIZED_VIEW
            attrs = {"indexes": "; ".join(r.indexes) if r.indexes else None, **options}
        out.append(make_object(kind, qualify(r.nspname, r.relname), r.definition, attrs, comment=r.comment))
    for r in run(FUNCTIONS_SQL, bind):
        attrs = {
            "arguments": r.arguments,
            "returns": r.result if r.prokind != "p" else None,
            "language": r.lanname,
            "volatility": _VOLATILITY.get(r.provolatile) if r.prokind != "p" else None,
            "security_definer": True if r.prosecdef else None,
            "strict": True if r.proisstrict else None,
            "parallel": _PARALLEL.get(r.proparallel) if r.proparallel != "u" else None,
            "config": ", ".join(r.proconfig) if r.proconfig else None,
            "window": True if r.prokind == "w" else None,
        }
        name = qualify(r.nspname, r.proname) + f"({r.identity_args})"  # args may hold dots (sales.money)
        out.append(make_object(_KINDS[r.prokind], name, r.definition, attrs, comment=r.comment))
    for r in run(AGGREGATES_SQL, bind):
        name = qualify(r.nspname, r.proname) + f"({r.identity_args})"  # args may hold dots (sales.money)
        out.append(make_object(ObjectKind.AGGREGATE, name, r.definition, (), comment=r.comment))
    for r in run(TRIGGERS_SQL, bind):
        attrs = {"enabled": _TRIGGER_ENABLED.get(r.tgenabled), "constraint": True if r.is_constraint else None}
        out.append(
            make_object(
                ObjectKind.TRIGGER,
                r.tgname,
                r.definition,
                attrs,
                table=qualify(r.nspname, r.relname),
                comment=r.comment,
            )
        )
    for r in run(SEQUENCES_SQL, bind):
        params = {
            "data_type": r.data_type,
            "start": str(r.seqstart),
            "increment": str(r.seqincrement),
            "min": str(r.seqmin),
            "max": str(r.seqmax),
            "cache": str(r.seqcache),
            "cycle": "true" if r.seqcycle else "false",
        }
        owned = r.owner_deptype is not None  # implied ones (default parameters) are left out by the query
        attrs = dict(params)
        if owned:
            attrs["owned_by"] = f"{qualify(r.owner_nspname, r.owner_table)}.{r.owner_column}"
            attrs["identity"] = "true" if r.owner_deptype == "i" else None
        out.append(make_object(ObjectKind.SEQUENCE, qualify(r.nspname, r.relname), None, attrs, comment=r.comment))
    for r in run(DOMAINS_SQL, bind):
        attrs = {
            "base_type": r.base_type,
            "not_null": True if r.typnotnull else None,
            "default": r.typdefault,
            "collation": r.collation,
            "checks": "; ".join(r.checks) if r.checks else None,
        }
        out.append(make_object(ObjectKind.DOMAIN, qualify(r.nspname, r.typname), None, attrs, comment=r.comment))
    for r in run(COMPOSITE_TYPES_SQL, bind):
        name = qualify(r.nspname, r.typname)
        out.append(make_object(ObjectKind.COMPOSITE_TYPE, name, r.definition, (), comment=r.comment))
    for r in run(EXTENSIONS_SQL, {}):
        # The version is informational (it differs after a routine package upgrade), so it is not compared.
        out.append(make_object(ObjectKind.EXTENSION, r.extname, None, {"schema": r.nspname}))
    for r in run(POLICIES_SQL, bind):
        attrs = {
            "command": _POLICY_COMMANDS.get(r.polcmd, r.polcmd),
            "permissive": "true" if r.polpermissive else "false",
            "roles": ", ".join(r.roles),
            "using": r.using_expr,
            "with_check": r.check_expr,
        }
        table = qualify(r.nspname, r.relname)
        out.append(make_object(ObjectKind.POLICY, r.polname, None, attrs, table=table, comment=r.comment))
    for r in run(RULES_SQL, bind):
        attrs = {"enabled": _TRIGGER_ENABLED.get(r.ev_enabled)}
        table = qualify(r.nspname, r.relname)
        out.append(make_object(ObjectKind.RULE, r.rulename, r.definition, attrs, table=table, comment=r.comment))
    for r in run(EXCLUSIONS_SQL, bind):
        table = qualify(r.nspname, r.relname)
        out.append(
            make_object(ObjectKind.EXCLUSION_CONSTRAINT, r.conname, r.definition, (), table=table, comment=r.comment)
        )
    for r in run(TABLE_PROPERTIES_SQL, bind):
        out += _table_properties(r, qualify)
    return out


def collations(
    run: Callable[[str, Mapping[str, Any]], Iterable[Any]],
    columns: Mapping[str, Sequence[tuple[str, int]]],
    qualify: Callable[[str, str], str] | None = None,
    nsoids: Sequence[int] = (),
) -> list[DbObject]:
    """COLLATION objects for the columns whose collation is not their type's: ``{table: [(column, oid)]}`` (found
    by the columns query, which reads pg_attribute already); one small query names the collations, none when no
    column has one. With ``qualify``, also a COLLATION_DEFINITION object (keyed ``qualify(schema, name)``;
    attributes ``provider``, ``locale`` or ``lc_collate``/``lc_ctype``, ``deterministic``) for each such collation
    made by CREATE COLLATION in a user schema, so it is compared and rendered before the tables that use it, and
    for every one in the schemas ``nsoids`` (given when the coverage query saw some there), used or not.
    Source: https://www.postgresql.org/docs/15/sql-createcollation.html"""
    if not columns and not nsoids:
        return []
    oids = sorted({oid for cols in columns.values() for _, oid in cols})
    names: dict[int, str] = {}
    out: list[DbObject] = []
    for r in run(COLLATION_NAMES_SQL, {"oids": oids, "nsoids": list(nsoids)}):
        names[r.oid] = r.collname if r.nspname == "pg_catalog" else key_qualify(r.nspname, r.collname)
        if qualify is not None and r.user_made:
            provider = _PROVIDERS.get(r.collprovider)
            attrs: dict[str, Any] = {
                "provider": provider,
                "deterministic": "false" if not r.collisdeterministic else None,
            }
            if r.collprovider == "i":
                attrs["locale"] = r.icu_locale
            else:
                attrs["lc_collate"], attrs["lc_ctype"] = r.collcollate, r.collctype
            out.append(make_object(ObjectKind.COLLATION_DEFINITION, qualify(r.nspname, r.collname), None, attrs))
    return out + [
        make_object(ObjectKind.COLLATION, table, None, [(c, names.get(oid, str(oid))) for c, oid in cols])
        for table, cols in columns.items()
    ]


def _table_properties(r: Any, qualify: Callable[[str, str], str]) -> list[DbObject]:
    name = qualify(r.nspname, r.relname)
    out: list[DbObject] = []
    parents = [qualify(ns, rel) for ns, rel in zip(r.parent_nspnames, r.parent_names, strict=True)]
    if r.relispartition:
        # A partition is an object of its parent; its columns, keys and indexes come from the parent, except the
        # indexes made on this partition alone (attribute ``indexes``, as a materialized view's).
        attrs = {"partition_key": r.partition_key, "indexes": "; ".join(r.partition_indexes or ()) or None}
        out.append(
            make_object(
                ObjectKind.PARTITION,
                name,
                r.partition_bound,
                attrs,
                table=parents[0] if parents else None,
                comment=r.comment,
            )
        )
        return out
    if r.relrowsecurity or r.relforcerowsecurity:
        out.append(
            make_object(
                ObjectKind.ROW_SECURITY,
                name,
                None,
                {"enabled": bool(r.relrowsecurity), "forced": bool(r.relforcerowsecurity)},
            )
        )
    if parents:
        out.append(make_object(ObjectKind.INHERITANCE, name, None, {"parents": ", ".join(parents)}))
    if r.partition_key:
        out.append(make_object(ObjectKind.PARTITIONING, name, None, {"partition_by": r.partition_key}))
    options = _options(r.reloptions)
    if r.relpersistence == "u":
        options["unlogged"] = "true"
    # REPLICA IDENTITY other than DEFAULT (the primary key): f FULL, n NOTHING, i USING INDEX (pg_class docs).
    if r.relreplident in _REPLICA_IDENTITY:
        options["replica_identity"] = _REPLICA_IDENTITY[r.relreplident]
        if r.relreplident == "i" and r.replident_index:
            options["replica_identity_index"] = r.replident_index
    if options:
        out.append(make_object(ObjectKind.TABLE_OPTIONS, name, None, options))
    return out


_REPLICA_IDENTITY = {"f": "full", "n": "nothing", "i": "index"}


def _options(reloptions: Sequence[str] | None) -> dict[str, str]:
    """``{"check_option": "local"}`` from ``pg_class.reloptions`` (``{check_option=local}``)."""
    out: dict[str, str] = {}
    for item in reloptions or ():
        key, _, value = item.partition("=")
        out[key] = value
    return out


def not_compared(
    run: Callable[[str, Mapping[str, Any]], Iterable[Any]], nsoids: Sequence[int], *, privileges: bool
) -> list[NotCompared]:
    """What is present in the database but not compared, grouped by object type and reason (one query).

    Args:
        run: as for :func:`inspect_objects`.
        nsoids: the inspected namespaces' oids.
        privileges: privileges are compared (so objects with grants are not listed here).

    Returns:
        ``NotCompared`` entries sorted by (what, reason), names ``schema.name``.
    """
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    params = {"nsoids": list(nsoids), "privileges_hidden": not privileges}
    for r in run(NOT_COMPARED_SQL, params):
        name = f"{r.nspname}.{r.name}" if r.nspname else r.name
        if r.what == "privileges":
            reason = "grants are compared only with --compare privileges"
        elif not r.selected:
            reason = f"schema {r.nspname} not inspected"
        else:
            reason = "no model for this object type"
        groups[(r.what, reason)].append(name)
    return [NotCompared(what, reason, tuple(sorted(names))) for (what, reason), names in sorted(groups.items())]


def privileges(
    run: Callable[[str, Mapping[str, Any]], Iterable[Any]],
    nsoids: Sequence[int],
    qualify: Callable[[str, str], str],
) -> list[DbObject]:
    """Owners and grants of the inspected schemas' relations, functions and the schemas themselves, as PRIVILEGES
    objects keyed by the object (compared only with ``--compare privileges``)."""
    out = []
    for r in run(PRIVILEGES_SQL, {"nsoids": list(nsoids)}):
        name = qualify(r.nspname, r.name) if r.nspname is not None else f"schema {r.name}"
        attrs = {"owner": r.owner, "grants": ", ".join(sorted(r.acl)) if r.acl else None}
        out.append(make_object(ObjectKind.PRIVILEGES, name, None, attrs))
    return out
