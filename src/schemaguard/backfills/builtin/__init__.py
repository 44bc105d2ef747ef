"""Backfills shipped with schemaguard (registered by name in :mod:`schemaguard.backfills.registry`)."""
