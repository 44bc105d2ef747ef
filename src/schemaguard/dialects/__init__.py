"""Dialects: one package per database, each with the same verb modules (render, inspect, diff, migrate)."""

from schemaguard.dialects.base import Dialect
from schemaguard.dialects.registry import dialect_for_url, get_dialect

__all__ = ["Dialect", "dialect_for_url", "get_dialect"]
