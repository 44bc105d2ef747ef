"""Where backfills come from: the built-ins, modules named in the configuration, and installed entry points.

```toml
backfill_modules = ["myproject.backfills", "backfills/fix_status.py"]   # module paths or .py files
```

A module contributes every module-level :class:`~schemaguard.backfills.spec.Backfill` (or the list in its
``BACKFILLS``). A package registers through the ``schemaguard.backfills`` entry point group; the entry point
may load a Backfill, a list of them, or a module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from schemaguard.backfills.spec import Backfill, BackfillError

if TYPE_CHECKING:
    from schemaguard.config import Config

ENTRY_POINT_GROUP = "schemaguard.backfills"

BUILTIN_MODULES: tuple[str, ...] = ("schemaguard.backfills.builtin.phase_1_4",)
"""Modules of the backfills shipped with schemaguard."""


def load_registry(config: Config | None = None) -> dict[str, Backfill]:
    """All registered backfills by name: built-ins, then ``backfill_modules``, then entry points.

    Raises:
        BackfillError: a module or entry point cannot be imported, or two backfills share a name (the message
            names both sources).
    """
    found: dict[str, Backfill] = {}
    for name in BUILTIN_MODULES:
        _add(found, _from_module(importlib.import_module(name)))
    modules = (getattr(config, "backfill_modules", None) or []) if config is not None else []
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise BackfillError("configuration key backfill_modules must be a list of module paths or .py files")
    for spec in modules:
        _add(found, _from_module(_import(spec, config.root if config is not None else Path("."))))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # an entry point's import can fail in any way; report it as configuration
            raise BackfillError(f"cannot load backfill entry point {ep.name!r} ({ep.value}): {exc}") from None
        _add(found, _from_object(obj, ep.value))
    return found


def get_backfill(name: str, config: Config | None = None) -> Backfill:
    """The backfill called ``name``.

    Raises:
        BackfillError: unknown name (the message lists the registered ones).
    """
    registry = load_registry(config)
    if name not in registry:
        known = ", ".join(sorted(registry)) or "none"
        raise BackfillError(f"unknown backfill {name!r} (registered: {known}); see `schemaguard backfill --list`")
    return registry[name]


def _import(spec: str, root: Path) -> ModuleType:
    try:
        if spec.endswith(".py"):
            path = Path(spec) if Path(spec).is_absolute() else root / spec
            mod_name = f"schemaguard_user_backfills.{path.stem}"
            loader_spec = importlib.util.spec_from_file_location(mod_name, path)
            if loader_spec is None or loader_spec.loader is None or not path.is_file():
                raise BackfillError(f"backfill module file {path} not found (configuration key backfill_modules)")
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[mod_name] = module
            loader_spec.loader.exec_module(module)
            return module
        # Project modules are importable relative to the configuration file's directory.
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        return importlib.import_module(spec)
    except BackfillError:
        raise
    except Exception as exc:  # user code: any import failure is a configuration problem
        raise BackfillError(f"cannot import backfill module {spec!r}: {type(exc).__name__}: {exc}") from None


def _from_module(module: ModuleType) -> list[Backfill]:
    listed = getattr(module, "BACKFILLS", None)
    items = list(listed) if listed is not None else [v for v in vars(module).values() if isinstance(v, Backfill)]
    return [b if b.source else replace(b, source=module.__name__) for b in items]


def _from_object(obj: Any, where: str) -> list[Backfill]:
    if isinstance(obj, ModuleType):
        return _from_module(obj)
    items = list(obj) if isinstance(obj, list | tuple) else [obj]
    if not all(isinstance(b, Backfill) for b in items):
        raise BackfillError(f"entry point {where} must load a Backfill, a list of them or a module")
    module = where.split(":", 1)[0]
    return [b if b.source else replace(b, source=module) for b in items]


def _add(found: dict[str, Backfill], items: list[Backfill]) -> None:
    for b in items:
        other = found.get(b.name)
        if other is not None and other is not b and other.source != b.source:
            raise BackfillError(f"backfill {b.name!r} is defined twice: in {other.source} and in {b.source}")
        found[b.name] = b
