"""Project configuration: ``schemaguard.toml`` (or ``[tool.schemaguard]`` in ``pyproject.toml``).

```toml
master = "schemas/master.yaml"      # the master schema (YAML, Prisma, JSON or SQL)
dialect = "postgresql"             # default dialect when no database is involved (render, file-to-file diff)
default_target = "dev"
ignore_tables = ["audit_*"]        # glob patterns, added to the built-in ones
namespace = "public"               # PostgreSQL schema to inspect

[targets.dev]
url = "sqlite:///dev.db"

[targets.prod]
url = "${DATABASE_URL}"            # ${VAR} and ${VAR:-fallback} are expanded from the environment
```

Without a named target, ``DATABASE_URL`` is the fallback. The file is found in the working directory or its
parents; ``--config FILE`` names one explicitly.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from schemaguard.db import env_url, register_secret
from schemaguard.errors import ConfigError

BUILTIN_IGNORES: tuple[str, ...] = ("alembic_version", "_prisma_migrations", "schemaguard_*")
"""Bookkeeping tables of Alembic, Prisma and schemaguard itself: never part of a master."""

CONFIG_FILE = "schemaguard.toml"


class TargetConfig(BaseModel):
    """A named database target."""

    model_config = ConfigDict(extra="forbid")
    url: str
    namespace: str | None = None


class Config(BaseModel):
    """The validated configuration. Paths are relative to ``root`` (the directory of the config file)."""

    model_config = ConfigDict(extra="allow")
    master: str = "schemas/master.yaml"
    dialect: str = "postgresql"
    default_target: str | None = None
    ignore_tables: list[str] = []
    namespace: str | None = None
    targets: dict[str, TargetConfig] = {}
    root: Path = Path(".")
    source: str | None = None

    @property
    def master_path(self) -> Path:
        """The master schema's path, resolved against the config's directory."""
        p = Path(self.master)
        return p if p.is_absolute() else self.root / p

    @property
    def ignore_patterns(self) -> tuple[str, ...]:
        """Built-in ignores plus the configured ones."""
        return BUILTIN_IGNORES + tuple(self.ignore_tables)

    def is_ignored(self, table: str) -> bool:
        """True if ``table`` matches an ignore pattern (fnmatch globs, case-sensitive)."""
        return _ignore_regex(self.ignore_patterns).match(table) is not None

    def resolve_url(self, target: str | None = None, url: str | None = None) -> tuple[str, str | None]:
        """The database URL to use and the namespace for it.

        Order: an explicit ``url``; the named ``target``; ``default_target``; ``DATABASE_URL``.

        Raises:
            ConfigError: unknown target, or nothing configured at all.
        """
        if url:
            return expand_env(url, "--url"), self.namespace
        name = target or self.default_target
        if name:
            t = self.targets.get(name)
            if t is None:
                known = ", ".join(sorted(self.targets)) or "none configured"
                raise ConfigError(f"unknown target {name!r} (targets: {known})")
            return expand_env(t.url, f"targets.{name}.url"), t.namespace or self.namespace
        fallback = env_url("DATABASE_URL")
        if fallback:
            return fallback, self.namespace
        raise ConfigError("no database given: use --url URL or --target NAME, or set DATABASE_URL")


_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: str, where: str) -> str:
    """Expand ``${VAR}`` and ``${VAR:-fallback}`` from the environment; expanded values are treated as secrets
    for masking.

    Raises:
        ConfigError: a variable without fallback is not set (names the variable and the setting).
    """

    def sub(m: re.Match[str]) -> str:
        name, fallback = m.group(1), m.group(2)
        val = os.environ.get(name)
        if val is None or val == "":
            if fallback is not None:
                return fallback
            raise ConfigError(f"environment variable {name} is not set (used in {where})")
        if "://" not in val:
            register_secret(val)
        return val

    return _ENV_RE.sub(sub, value)


def _find(start: Path) -> tuple[Path, dict[str, Any]] | None:
    for d in [start, *start.parents]:
        f = d / CONFIG_FILE
        if f.is_file():
            return f, _read_toml(f)
        pp = d / "pyproject.toml"
        if pp.is_file():
            data = _read_toml(pp)
            section = data.get("tool", {}).get("schemaguard")
            if section is not None:
                return pp, section
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not a TOML file: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Load the configuration.

    Args:
        path: an explicit config file (``schemaguard.toml`` form, or a pyproject.toml with [tool.schemaguard]).
        cwd: where to start searching when ``path`` is None (default: the working directory).

    Returns:
        The Config; defaults when no file exists.

    Raises:
        ConfigError: unreadable or invalid file (the message names the file and the bad key).
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} not found")
        data = _read_toml(p)
        if p.name == "pyproject.toml":
            data = data.get("tool", {}).get("schemaguard", {})
        found: tuple[Path, dict[str, Any]] | None = (p, data)
    else:
        found = _find((cwd or Path.cwd()).resolve())
    if found is None:
        return Config(root=(cwd or Path.cwd()))
    file, data = found
    try:
        cfg = Config.model_validate({**data, "root": file.parent, "source": str(file)})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{file}: {loc}: {err['msg']}") from None
    return cfg


@functools.lru_cache(maxsize=16)
def _ignore_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # One regex for all globs: is_ignored runs for every table of both sides of a diff.
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
