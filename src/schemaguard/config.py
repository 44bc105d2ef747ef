"""Project configuration: ``schemaguard.toml`` (or ``[tool.schemaguard]`` in ``pyproject.toml``).

```toml
master = "schemas/master.yaml"      # the master schema (YAML, Prisma, JSON or SQL)
dialect = "postgresql"             # default dialect when no database is involved (render, file-to-file diff)
default_target = "dev"
ignore_tables = ["audit_*"]        # glob patterns, added to the built-in ones
schemas = ["public", "sales*"]     # PostgreSQL schemas to inspect (default: every user schema)

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
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

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
    """The validated configuration. Paths are relative to ``root`` (the directory of the config file).

    Keys other modules read (``render``, ``rules``, ``gate``, ``migrations``, ...; see :data:`SECTIONS`) stay in
    ``model_extra``; :func:`load_config` has checked their shape and refused any other key.
    """

    model_config = ConfigDict(extra="allow")
    master: str = "schemas/master.yaml"
    dialect: str = "postgresql"
    default_target: str | None = None
    ignore_tables: list[str] = []
    namespace: str | None = None
    targets: dict[str, TargetConfig] = {}
    env_allow: list[str] = []
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
            ConfigError: unknown target, nothing configured at all, or both ``target`` and ``url`` given.
        """
        if url and target:
            raise ConfigError("--target and --url both name the database: give one")
        if url:
            return expand_env(url, "--url"), self.namespace
        name = target or self.default_target
        if name:
            t = self.targets.get(name)
            if t is None:
                known = ", ".join(sorted(self.targets)) or "none configured"
                raise ConfigError(f"unknown target {name!r} (targets: {known})")
            return expand_env(t.url, f"targets.{name}.url", allow=self.env_allow), t.namespace or self.namespace
        fallback = env_url("DATABASE_URL")
        if fallback:
            return fallback, self.namespace
        raise ConfigError("no database given: use --url URL or --target NAME, or set DATABASE_URL")


# --- The shape of the file: every key, for validation (unknown keys are refused with a "did you mean"). ---

DIALECT_NAMES = ("sqlite", "postgresql", "postgres", "pg")
"""Values ``dialect`` accepts (``postgres`` and ``pg`` are aliases of ``postgresql``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _RenderOutput(_Strict):
    dialect: str
    format: Literal["sql", "prisma"] = "sql"
    path: str


class _Render(_Strict):
    outputs: list[_RenderOutput] = []


class _Rules(_Strict):
    severity: dict[str, str] = {}  # values: RulesConfig.from_mapping names the allowed ones
    required_fields: list[str] | None = None
    unique_candidates: list[str] | None = None
    exclude_tables: list[str] | None = None


class _Gate(_Strict):
    # Only the keys are checked here; gate.py checks the values and names the known checks.
    skip: Any = None
    advisory: Any = None
    required_proofs: Any = None
    strict_coverage: Any = None


class _File(BaseModel):
    """Every key of ``schemaguard.toml``; the sections below the core keys are read by their own modules."""

    model_config = ConfigDict(extra="forbid")
    master: str = "schemas/master.yaml"
    dialect: str = "postgresql"
    default_target: str | None = None
    ignore_tables: list[str] = []
    namespace: str | None = None
    targets: dict[str, TargetConfig] = {}
    env_allow: list[str] = []
    # read by migrate/ (project, writer, changelog)
    migrations: str | None = None
    changelog: str | None = None
    dev_url: str | None = None
    dialects: list[str] | None = None
    # read by backfills/ and cli/commands/backfill.py
    backfill_modules: list[str] = []
    backfill_batch_size: int | None = None
    backfill_lock_timeout: float | None = None
    backfill_statement_timeout: float | None = None
    # read by api.py (schema selection of PostgreSQL introspection)
    schemas: list[str] | None = None
    exclude_schemas: list[str] | None = None
    compare: list[str] | None = None
    render: _Render | None = None
    rules: _Rules | None = None
    gate: _Gate | None = None

    @field_validator("dialect")
    @classmethod
    def _known_dialect(cls, value: str) -> str:
        if value.lower() not in DIALECT_NAMES:
            raise ValueError(
                f"unknown dialect {value!r}{_did_you_mean(value, DIALECT_NAMES)}; use sqlite or postgresql"
            )
        return value

    @field_validator("dialects")
    @classmethod
    def _known_dialects(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            cls._known_dialect(name)
        return value

    @field_validator("env_allow")
    @classmethod
    def _identifiers(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value


SECTIONS: tuple[str, ...] = tuple(n for n in _File.model_fields if n not in Config.model_fields)
"""Configuration keys owned by other modules (kept in ``Config.model_extra``)."""

_PATH_KEYS = ("master", "migrations", "changelog")
"""Keys naming a file or folder, which must stay inside the project root."""


_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ENV_ALWAYS = ("DATABASE_URL",)
_ENV_PREFIX = "SCHEMAGUARD_"


def env_allowed(name: str, allow: Collection[str] = ()) -> bool:
    """True if ``${name}`` may be expanded from configuration: ``DATABASE_URL``, ``SCHEMAGUARD_*`` and the names
    listed in ``env_allow`` (an untrusted file must not send e.g. a CI token to a host it names)."""
    return name in _ENV_ALWAYS or name.startswith(_ENV_PREFIX) or name in allow


def expand_env(value: str, where: str, *, allow: Collection[str] | None = None) -> str:
    """Expand ``${VAR}`` and ``${VAR:-fallback}`` from the environment; expanded values are treated as secrets
    for masking.

    Args:
        value: the text.
        where: the setting, for messages.
        allow: for values from the configuration, the ``env_allow`` names (see :func:`env_allowed`); None for
            values the user typed (``--url``, a targets file), where any variable expands.

    Raises:
        ConfigError: a variable without fallback is not set, or is not allowed (names the variable and the
            setting; its value is never read).
    """

    def sub(m: re.Match[str]) -> str:
        name, fallback = m.group(1), m.group(2)
        if allow is not None and not env_allowed(name, allow):
            raise ConfigError(_not_allowed(name, where))
        val = os.environ.get(name)
        if val is None or val == "":
            if fallback is not None:
                return fallback
            raise ConfigError(f"environment variable {name} is not set (used in {where})")
        if "://" not in val:
            register_secret(val)
        return val

    return _ENV_RE.sub(sub, value)


def _not_allowed(name: str, where: str) -> str:
    return (
        f"${{{name}}} in {where} is not expanded: only DATABASE_URL, SCHEMAGUARD_* and the names listed in "
        f'env_allow are (add env_allow = ["{name}"] if you trust this configuration with it)'
    )


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
    """Load and check the configuration.

    Args:
        path: an explicit config file (``schemaguard.toml`` form, or a pyproject.toml with [tool.schemaguard]).
        cwd: where to start searching when ``path`` is None (default: the working directory).

    Returns:
        The Config; defaults when no file exists.

    Raises:
        ConfigError: unreadable or invalid file: an unknown key (with the nearest known one), a value of the
            wrong type, an unknown dialect or rule, a ``${VAR}`` that is not allowed, a path that leaves the
            project root. The message starts with ``file:line:``.
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
    _check(file, data)
    try:
        return Config.model_validate({**data, "root": file.parent, "source": str(file)})
    except ValidationError as exc:  # _check saw the same shape; kept for callers that bypass it
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{file}: {loc}: {err['msg']}") from None


def _check(file: Path, data: dict[str, Any]) -> None:
    """Refuse a configuration that is not exactly right, naming ``file:line`` of the first problem."""
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        # A misspelt key also leaves its intended key missing: report the misspelling, with its suggestion.
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(err["loc"])
        key = _dotted(loc)
        if err["type"] == "extra_forbidden":
            problem = f"unknown key {key!r}{_did_you_mean(str(loc[-1]), _KNOWN_KEYS)}"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            problem = f"{key}: {msg}"
        raise ConfigError(f"{_where(file, loc)}: {problem}") from None
    if parsed.rules is not None:
        from schemaguard.rules.model import RULE_IDS

        known = [i for pair in RULE_IDS for i in pair]
        for name in parsed.rules.severity:
            if name not in known:
                raise ConfigError(
                    f"{_where(file, ('rules', 'severity', name))}: unknown rule {name!r}{_did_you_mean(name, known)}"
                )
    for loc, text in _strings(data, ()):
        for m in _ENV_RE.finditer(text):
            if not env_allowed(m.group(1), parsed.env_allow):
                raise ConfigError(f"{_where(file, loc)}: {_not_allowed(m.group(1), _dotted(loc))}")
    root = file.parent.resolve()
    paths: list[tuple[tuple[Any, ...], str]] = [((k,), v) for k in _PATH_KEYS if isinstance(v := data.get(k), str)]
    if parsed.render is not None:
        paths += [(("render", "outputs", i, "path"), o.path) for i, o in enumerate(parsed.render.outputs)]
    paths += [(("backfill_modules", i), m) for i, m in enumerate(parsed.backfill_modules) if m.endswith(".py")]
    for loc, value in paths:
        full = (root / value).resolve()  # symlinks resolved: a link inside the root to a place outside is outside
        if not full.is_relative_to(root):
            raise ConfigError(
                f"{_where(file, loc)}: {_dotted(loc)} = {value!r} is outside the project root {root} "
                "(paths in the configuration must stay inside the folder of the configuration file)"
            )


def _dotted(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")


def _strings(value: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*loc, i))


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_keys() -> tuple[str, ...]:
    models: list[type[BaseModel]] = [_File, TargetConfig, _Render, _RenderOutput, _Rules, _Gate]
    return tuple(dict.fromkeys(n for m in models for n in m.model_fields))


_KNOWN_KEYS = _known_keys()


def _where(file: Path, loc: tuple[Any, ...]) -> str:
    """``file:line`` of the key at ``loc`` (``file`` alone if it cannot be found): TOML parsers give no
    positions, so the line is found by walking the table headers and keys of the text."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(file)
    prefix: tuple[str, ...] = ()
    if file.name == "pyproject.toml":
        prefix = ("tool", "schemaguard")
    keys = [str(k) for k in loc if not isinstance(k, int)]
    best: int | None = None
    depth = 0
    table: tuple[str, ...] = ()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            path = table[len(prefix) :] if table[: len(prefix)] == prefix else None
            if path and tuple(keys[: len(path)]) == path and len(path) > depth:
                best, depth = number, len(path)  # the deepest table holding the key (a missing key: its table)
            continue
        key = re.match(r'^("?)([A-Za-z0-9_.-]+)\1\s*=', line)
        if key is None:
            continue
        path = table[len(prefix) :] if table[: len(prefix)] == prefix else None
        if path is None:
            continue
        full = (*path, *(part.strip('"') for part in key.group(2).split(".")))
        if tuple(keys[: len(full)]) == full:
            if len(full) == len(keys):
                return f"{file}:{number}"
            if len(full) > depth:
                best, depth = number, len(full)
    return f"{file}:{best}" if best else str(file)


@functools.lru_cache(maxsize=16)
def _ignore_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # One regex for all globs: is_ignored runs for every table of both sides of a diff.
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
