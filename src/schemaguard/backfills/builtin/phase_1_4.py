"""The ``phase-1-4`` backfill: the data migration of seed 002 ("Phase 1.4 Data Migration Scripts").

Steps, exactly as the seed describes them:

1. MessageNumber records in three classes. Numbers held by an active SitterMaskedNumber become ``sitter``
   (masked numbers themselves are created on demand elsewhere, never here); each org gets exactly one
   ``front_desk`` number, the first existing active unclassified number (by ``createdAt``, then ``id``); an org
   with no such number is an error with manual-setup guidance, nothing is invented; pool numbers stay as they are,
   and an org left without one is flagged.
2. Every MessageThread gets ``messageNumberId`` and ``numberClass``; the class is read from the assigned number;
   threads without a number get the org's front-desk number and are flagged.
3. ``isOneTimeClient`` from the client's explicit recurrence flag (``Client.isRecurring``); no signal = one-time.

Dry runs count with the very predicates of the real run, so they must see step 1's outcome before it happened:
the helpers below describe the *effective* state (``_front_desk``: the existing front-desk number or the one
step 1 will pick; ``_effective_class``: a number's class after step 1). After step 1 has run they reduce to the
stored values, which is also what makes every update idempotent.

Step 2 reads each org's front desk from ``_org_front_desk``, a derived table of one row per organization
(window functions over MessageNumber) joined to the threads: computed once per batch, not once per thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from schemaguard.backfills.spec import (
    Backfill,
    Flag,
    Step,
    Tables,
    Update,
    count_at_least,
    count_at_most,
    count_equals,
    distribution,
    per_group_equals,
    typed,
)

FRONT_DESK, SITTER, POOL = "front_desk", "sitter", "pool"


def _cls(t: Tables, value: str) -> sa.ColumnElement[Any]:
    return typed(t.MessageNumber.c.numberClass, value)


def _held_by_sitter(t: Tables, number_id: sa.ColumnElement[Any]) -> sa.Exists:
    smn = t.SitterMaskedNumber.alias("smn_held")
    return sa.exists().where(smn.c.messageNumberId == number_id, smn.c.status == "active")


def _existing_front_desk(t: Tables, org_id: sa.ColumnElement[Any]) -> sa.Select[Any]:
    fd = t.MessageNumber.alias("mn_fd")
    return (
        sa.select(fd.c.id)
        .where(fd.c.orgId == org_id, fd.c.isActive == sa.true(), fd.c.numberClass == _cls(t, FRONT_DESK))
        .order_by(fd.c.createdAt, fd.c.id)
        .limit(1)
    )


def _candidate(t: Tables, org_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The number step 1 makes the org's front desk: its first active, unclassified, not sitter-held number."""
    c = t.MessageNumber.alias("mn_cand")
    return (
        sa.select(c.c.id)
        .where(
            c.c.orgId == org_id,
            c.c.isActive == sa.true(),
            c.c.numberClass == _cls(t, POOL),
            ~_held_by_sitter(t, c.c.id),
        )
        .order_by(c.c.createdAt, c.c.id)
        .limit(1)
        .scalar_subquery()
    )


def _front_desk(t: Tables, org_id: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(_existing_front_desk(t, org_id).scalar_subquery(), _candidate(t, org_id))


def _effective_class(t: Tables, number_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    n = t.MessageNumber.alias("mn_ec")
    klass = sa.case(
        (sa.and_(n.c.numberClass == _cls(t, POOL), _held_by_sitter(t, n.c.id)), _cls(t, SITTER)),
        (
            sa.and_(
                n.c.numberClass == _cls(t, POOL),
                ~_existing_front_desk(t, n.c.orgId).exists(),
                n.c.id == _candidate(t, n.c.orgId),
            ),
            _cls(t, FRONT_DESK),
        ),
        else_=n.c.numberClass,
    )
    # correlate_except: the number may come from the enclosing statement's thread or its org's lookup row.
    return sa.select(klass).where(n.c.id == number_id).correlate_except(n).scalar_subquery()


def _active_pool_count(t: Tables, org_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    p = t.MessageNumber.alias("mn_pool")
    return (
        sa.select(sa.func.count())
        .select_from(p)
        .where(p.c.orgId == org_id, p.c.isActive == sa.true(), p.c.numberClass == _cls(t, POOL))
        .where(~_held_by_sitter(t, p.c.id))
        .scalar_subquery()
    )


# -- step 1 -------------------------------------------------------------------------------------------------


def _sitter_where(t: Tables) -> sa.ColumnElement[bool]:
    mn = t.MessageNumber
    return sa.and_(
        _held_by_sitter(t, mn.c.id),
        sa.or_(
            mn.c.numberClass == _cls(t, POOL),
            sa.and_(mn.c.numberClass == _cls(t, SITTER), mn.c.assignedSitterId.is_(None)),
        ),
    )


def _sitter_values(t: Tables) -> dict[str, Any]:
    mn, smn = t.MessageNumber, t.SitterMaskedNumber.alias("smn_set")
    sitter = (
        sa.select(smn.c.sitterId)
        .where(smn.c.messageNumberId == mn.c.id, smn.c.status == "active")
        .limit(1)
        .scalar_subquery()
    )
    return {"numberClass": _cls(t, SITTER), "assignedSitterId": sa.func.coalesce(mn.c.assignedSitterId, sitter)}


def _front_desk_where(t: Tables) -> sa.ColumnElement[bool]:
    mn = t.MessageNumber
    return sa.and_(
        mn.c.numberClass == _cls(t, POOL),
        ~_existing_front_desk(t, mn.c.orgId).exists(),
        mn.c.id == _candidate(t, mn.c.orgId),
    )


def _orgs_without_number(t: Tables) -> sa.Select[Any]:
    o = t.Organization
    return (
        sa.select(o.c.id, o.c.name)
        .where(~_existing_front_desk(t, o.c.id).exists(), _candidate(t, o.c.id).is_(None))
        .order_by(o.c.id)
    )


def _orgs_with_several_front_desks(t: Tables) -> sa.Select[Any]:
    mn = t.MessageNumber
    return (
        sa.select(mn.c.orgId, sa.func.count().label("front_desk_numbers"))
        .where(mn.c.isActive == sa.true(), mn.c.numberClass == _cls(t, FRONT_DESK))
        .group_by(mn.c.orgId)
        .having(sa.func.count() > 1)
        .order_by(mn.c.orgId)
    )


def _orgs_without_pool(t: Tables) -> sa.Select[Any]:
    o = t.Organization
    pools = _active_pool_count(t, o.c.id)
    # One unclassified number of an org without front desk is about to become that front desk.
    return (
        sa.select(o.c.id, o.c.name)
        .where(sa.or_(pools == 0, sa.and_(~_existing_front_desk(t, o.c.id).exists(), pools == 1)))
        .order_by(o.c.id)
    )


# -- step 2 -------------------------------------------------------------------------------------------------


def _ranked(t: Tables, name: str, *where: Callable[[Any], sa.ColumnElement[bool]]) -> sa.Subquery:
    """The org's numbers matching ``where``, ranked 1.. by (createdAt, id) within each org."""
    mn = t.MessageNumber.alias(f"{name}_mn")
    rank = sa.func.row_number().over(partition_by=mn.c.orgId, order_by=(mn.c.createdAt, mn.c.id))
    return sa.select(mn.c.orgId, mn.c.id, rank.label("rank")).where(*(w(mn) for w in where)).subquery(name)


def _org_front_desk(t: Tables) -> sa.Subquery:
    """One row per organization: ``orgId`` and ``frontDesk``, its effective front-desk number (the existing one,
    else the one step 1 picks; NULL when it has none): :func:`_front_desk` for every org at once."""

    def build() -> sa.Subquery:
        o = t.Organization
        active = lambda n: n.c.isActive == sa.true()  # noqa: E731
        existing = _ranked(t, "fd_existing", active, lambda n: n.c.numberClass == _cls(t, FRONT_DESK))
        candidate = _ranked(
            t, "fd_candidate", active, lambda n: n.c.numberClass == _cls(t, POOL), lambda n: ~_held_by_sitter(t, n.c.id)
        )
        joined = o.outerjoin(existing, sa.and_(existing.c.orgId == o.c.id, existing.c.rank == 1)).outerjoin(
            candidate, sa.and_(candidate.c.orgId == o.c.id, candidate.c.rank == 1)
        )
        front_desk = sa.func.coalesce(existing.c.id, candidate.c.id).label("frontDesk")
        return sa.select(o.c.id.label("orgId"), front_desk).select_from(joined).subquery("org_front_desk")

    return t.derived("org_front_desk", build)


def _thread_join(t: Tables) -> tuple[sa.Subquery, sa.ColumnElement[bool]]:
    # MessageThread.orgId is NOT NULL and references Organization: every thread matches exactly one row.
    ofd = _org_front_desk(t)
    return ofd, ofd.c.orgId == t.MessageThread.c.orgId


def _thread_number(t: Tables) -> sa.ColumnElement[Any]:
    mt = t.MessageThread
    return sa.func.coalesce(mt.c.messageNumberId, _org_front_desk(t).c.frontDesk)


def _thread_where(t: Tables) -> sa.ColumnElement[bool]:
    mt, front_desk = t.MessageThread, _org_front_desk(t).c.frontDesk
    return sa.or_(
        sa.and_(mt.c.messageNumberId.is_(None), front_desk.is_not(None)),
        sa.and_(mt.c.messageNumberId.is_not(None), mt.c.numberClass.is_(None)),
    )


def _thread_values(t: Tables) -> dict[str, Any]:
    mt = t.MessageThread
    return {
        "messageNumberId": _thread_number(t),
        "numberClass": sa.func.coalesce(mt.c.numberClass, _effective_class(t, _thread_number(t))),
    }


def _threads_by_front_desk(t: Tables, has_one: bool) -> sa.Select[Any]:
    mt, ofd = t.MessageThread, _org_front_desk(t)
    front_desk = ofd.c.frontDesk.is_not(None) if has_one else ofd.c.frontDesk.is_(None)
    return (
        sa.select(mt.c.id, mt.c.orgId)
        .select_from(mt.join(ofd, ofd.c.orgId == mt.c.orgId))
        .where(mt.c.messageNumberId.is_(None), front_desk)
        .order_by(mt.c.id)
    )


def _threads_defaulted(t: Tables) -> sa.Select[Any]:
    return _threads_by_front_desk(t, True)


def _threads_unassignable(t: Tables) -> sa.Select[Any]:
    return _threads_by_front_desk(t, False)


# -- step 3 -------------------------------------------------------------------------------------------------


def _recurrence(t: Tables) -> sa.ScalarSelect[Any]:
    c, mt = t.Client, t.MessageThread
    return sa.select(c.c.isRecurring).where(c.c.id == mt.c.clientId).scalar_subquery()


def _one_time_values(t: Tables) -> dict[str, Any]:
    # Explicit flag wins (recurring -> not one-time); no client or NULL flag -> one-time (seed: "defaults to one-time").
    return {"isOneTimeClient": sa.case((_recurrence(t) == sa.true(), sa.false()), else_=sa.true())}


def _threads_without_signal(t: Tables) -> sa.Select[Any]:
    mt = t.MessageThread
    return (
        sa.select(mt.c.id, mt.c.clientId)
        .where(mt.c.isOneTimeClient.is_(None), _recurrence(t).is_(None))
        .order_by(mt.c.id)
    )


# -- proofs and rollback ------------------------------------------------------------------------------------


def _front_desk_per_org(t: Tables) -> sa.Select[Any]:
    o, mn = t.Organization, t.MessageNumber
    on = sa.and_(mn.c.orgId == o.c.id, mn.c.isActive == sa.true(), mn.c.numberClass == _cls(t, FRONT_DESK))
    return sa.select(o.c.id, sa.func.count(mn.c.id)).select_from(o.outerjoin(mn, on)).group_by(o.c.id).order_by(o.c.id)


def _count(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(table).where(*where)


def _rollback(t: Tables) -> list[sa.Executable]:
    mt, mn = t.MessageThread, t.MessageNumber
    return [
        sa.update(mt).values({"messageNumberId": None, "numberClass": None}),
        sa.update(mt).values({"isOneTimeClient": None}),
        sa.delete(t.SitterMaskedNumber),
        sa.update(mn).values({"numberClass": _cls(t, POOL), "assignedSitterId": None, "ownerId": None}),
    ]


NO_NUMBER_GUIDANCE = (
    "The backfill never invents a number. For each org listed: buy or port a number, then create it, e.g.\n"
    '  INSERT INTO "MessageNumber" ("id", "orgId", "accountId", "e164", "isActive", "updatedAt")\n'
    "  VALUES ('<new id>', '<org id>', '<its MessageAccount id>', '+1...', true, CURRENT_TIMESTAMP);\n"
    "(or reactivate an existing one), and run the backfill again: it picks the number up as the front desk and "
    "assigns the org's threads to it."
)

BACKFILL = Backfill(
    name="phase-1-4",
    description=(
        "Seed 002, Phase 1.4: classify MessageNumbers (one front desk per org, sitter-held, pool), give every "
        "MessageThread a number and its class, and derive isOneTimeClient from explicit recurrence flags."
    ),
    requires={
        "Organization": ("id", "name"),
        "Sitter": ("id", "isActive"),
        "Client": ("id", "isRecurring"),
        "MessageNumber": ("id", "orgId", "isActive", "numberClass", "assignedSitterId", "ownerId", "createdAt"),
        "MessageThread": ("id", "orgId", "clientId", "messageNumberId", "numberClass", "isOneTimeClient"),
        "SitterMaskedNumber": ("id", "sitterId", "messageNumberId", "status"),
    },
    steps=(
        Step(
            "number-classes",
            "MessageNumber records in three classes: sitter-held, exactly one front desk per org, pool",
            updates=(
                Update(
                    "MessageNumber",
                    _sitter_where,
                    _sitter_values,
                    "numbers held by an active SitterMaskedNumber -> numberClass 'sitter' + assignedSitterId",
                    ("orgId", "numberClass", "assignedSitterId"),
                ),
                Update(
                    "MessageNumber",
                    _front_desk_where,
                    lambda t: {"numberClass": _cls(t, FRONT_DESK)},
                    "first active unclassified number of each org without one -> numberClass 'front_desk'",
                    ("orgId", "numberClass"),
                ),
            ),
            flags=(
                Flag(
                    "error",
                    "{count} organization(s) have no active MessageNumber to become their front-desk number",
                    _orgs_without_number,
                    NO_NUMBER_GUIDANCE,
                ),
                Flag(
                    "error",
                    "{count} organization(s) have more than one active front-desk number",
                    _orgs_with_several_front_desks,
                    'Keep one: set "numberClass" = \'pool\' (or "isActive" = false) on the others.',
                ),
                Flag(
                    "warning",
                    "{count} organization(s) have no pool number (pool numbers are never created here)",
                    _orgs_without_pool,
                    "Add at least one active MessageNumber with numberClass 'pool' per listed org if it needs "
                    "rotation.",
                ),
            ),
        ),
        Step(
            "thread-numbers",
            "MessageThread.messageNumberId and numberClass, the class derived from the assigned number",
            updates=(
                Update(
                    "MessageThread",
                    _thread_where,
                    _thread_values,
                    "threads without number or class -> their number (default: the org's front desk) and its class",
                    ("orgId", "messageNumberId", "numberClass"),
                    join=_thread_join,
                ),
            ),
            flags=(
                Flag(
                    "warning",
                    "{count} thread(s) have no messageNumberId and default to their org's front-desk number",
                    _threads_defaulted,
                ),
                Flag(
                    "error",
                    "{count} thread(s) cannot get a messageNumberId: their org has no front-desk number",
                    _threads_unassignable,
                    "Set up a number for the org (see the number-classes step) and run the backfill again.",
                ),
            ),
        ),
        Step(
            "client-classification",
            "MessageThread.isOneTimeClient from explicit recurrence flags, one-time when there is no signal",
            updates=(
                Update(
                    "MessageThread",
                    lambda t: t.MessageThread.c.isOneTimeClient.is_(None),
                    _one_time_values,
                    "isOneTimeClient = NOT Client.isRecurring; no client or no flag -> one-time",
                    ("clientId", "isOneTimeClient"),
                ),
            ),
            flags=(
                Flag(
                    "info",
                    "{count} thread(s) have no explicit recurrence signal and default to one-time",
                    _threads_without_signal,
                ),
            ),
        ),
    ),
    proofs=(
        per_group_equals("Front Desk Numbers Per Org", _front_desk_per_org, 1, prefix="Org "),
        count_at_most(
            "Sitter Masked Numbers",
            lambda t: _count(t.SitterMaskedNumber, t.SitterMaskedNumber.c.status == "active"),
            "Active Sitters",
            lambda t: _count(t.Sitter, t.Sitter.c.isActive == sa.true()),
        ),
        count_at_least(
            "Pool Numbers",
            lambda t: _count(
                t.MessageNumber, t.MessageNumber.c.isActive == sa.true(), t.MessageNumber.c.numberClass == _cls(t, POOL)
            ),
            1,
        ),
        count_equals(
            "Threads Missing messageNumberId",
            lambda t: _count(t.MessageThread, t.MessageThread.c.messageNumberId.is_(None)),
            0,
        ),
        distribution(
            "Threads By Number Class",
            lambda t: (
                sa.select(t.MessageThread.c.numberClass, sa.func.count())
                .group_by(t.MessageThread.c.numberClass)
                .order_by(t.MessageThread.c.numberClass)
            ),
        ),
    ),
    rollback=_rollback,
    rollback_note=(
        "Rollback Phase 1.4 data (seed 002), plus isOneTimeClient, which the seed's statements leave set.\n"
        "WARNING: this removes all Phase 1.4 data, including every SitterMaskedNumber row. Use with caution."
    ),
    source=__name__,
)
