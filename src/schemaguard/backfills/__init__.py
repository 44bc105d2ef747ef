"""Registered, idempotent, batched data backfills with dry runs, a run ledger, proofs and rollback SQL.

Declare one with :mod:`schemaguard.backfills.spec`, register it through ``backfill_modules`` in the
configuration or the ``schemaguard.backfills`` entry point group, and run it with ``schemaguard backfill``.
"""

from schemaguard.backfills.spec import (
    Backfill,
    BackfillError,
    Flag,
    Insert,
    ProofCheck,
    ProofItem,
    ProofResult,
    Step,
    Update,
)

__all__ = ["Backfill", "BackfillError", "Flag", "Insert", "ProofCheck", "ProofItem", "ProofResult", "Step", "Update"]
