"""Global CLI state set by the root callback: config location, colour, quietness, consoles."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from schemaguard.config import Config


@dataclass
class State:
    """Options shared by every command."""

    config_path: str | None = None
    no_color: bool = False
    quiet: bool = False
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        """The loaded configuration (loaded once)."""
        if self._config is None:
            from schemaguard.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    def console(self) -> Console:
        """Console for results (stdout): colour only on a terminal, never with --no-color / NO_COLOR."""
        # rich is imported on first use: a JSON report never needs it (about 20 ms of every run).
        from rich.console import Console

        return Console(
            no_color=self.no_color or "NO_COLOR" in os.environ,
            highlight=False,
            soft_wrap=False,
            width=_width(sys.stdout),
        )

    def err_console(self) -> Console:
        """Console for diagnostics (stderr)."""
        from rich.console import Console

        # soft_wrap: an error stays one line on stderr however long (CI greps it).
        return Console(
            stderr=True,
            no_color=self.no_color or "NO_COLOR" in os.environ,
            highlight=False,
            width=_width(sys.stderr),
            soft_wrap=True,
        )


def _width(stream: TextIO) -> int | None:
    # A terminal (or COLUMNS) gives the width; piped output has none: use a wide one so tables are not squeezed.
    return None if "COLUMNS" in os.environ or stream.isatty() else 160


STATE = State()
