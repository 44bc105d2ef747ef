"""The Typer application, global options, and the one place where exceptions become exit codes.

Exit codes: 0 ok; 1 a check failed / drift found; 2 usage, configuration or connection error.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from schemaguard import __version__
from schemaguard.cli.context import STATE

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="schemaguard",
    help="Schema-drift detection and migration governance for SQLite and PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schemaguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    config: Annotated[
        str | None, typer.Option("--config", "-c", help="Config file (default: schemaguard.toml found upwards).")
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain output without colours (also NO_COLOR=1).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures and the summary.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Schema-drift detection and migration governance for SQLite and PostgreSQL."""
    STATE.config_path = config
    STATE.no_color = no_color
    STATE.quiet = quiet
    STATE._config = None  # each invocation reads the configuration afresh (in-process callers run many)
    from schemaguard.db import forget_secrets

    forget_secrets()  # and masks only its own secrets


_PLUGGED_COMMANDS = ("validate", "backfill", "migrate", "gate", "demo", "report", "init")
"""Command modules that add themselves with ``register(app)`` (each owns its sub-commands)."""


def _register() -> None:
    import importlib

    from schemaguard.cli.commands import diff, inspect, render

    app.command("render")(render.render)
    app.command("inspect")(inspect.inspect)
    app.command("diff")(diff.diff)
    for name in _PLUGGED_COMMANDS:
        try:
            module = importlib.import_module(f"schemaguard.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"schemaguard.cli.commands.{name}":
                raise
            continue
        module.register(app)


_register()


_GLOBAL_FLAGS = ("--no-color", "--quiet", "-q")
_GLOBAL_VALUED = ("--config", "-c")


def hoist_global_options(args: list[str]) -> list[str]:
    """``args`` with the global options written after the command (``schemaguard diff --no-color``) moved in
    front of it, where the option parser looks for them. Nothing after ``--`` moves.

    Args:
        args: the command line without the program name.

    Returns:
        A new list; the same tokens.
    """
    command = next(
        (i for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in _GLOBAL_VALUED)), None
    )
    if command is None:
        return list(args)
    head, tail, moved = list(args[:command]), [], []
    i = command
    while i < len(args):
        token = args[i]
        if token == "--":
            tail += args[i:]
            break
        if token in _GLOBAL_FLAGS or token.startswith("--config="):
            moved.append(token)
        elif token in _GLOBAL_VALUED and i + 1 < len(args):
            moved += [token, args[i + 1]]
            i += 1
        else:
            tail.append(token)
        i += 1
    return head + moved + tail


def report_error(exc: BaseException) -> int:
    """Print ``exc`` as one masked, escaped line on stderr (``error: ...``) and return its exit code.

    The only place an exception becomes output: every command's errors, deliberate or from the layers below,
    pass here, so every command masks passwords identically and never prints a traceback (except with
    ``SCHEMAGUARD_DEBUG=1``, and then masked too).
    """
    import os

    from rich.markup import escape

    from schemaguard.db import mask
    from schemaguard.errors import error_message

    message, code = error_message(exc)
    console = STATE.err_console()
    if os.environ.get("SCHEMAGUARD_DEBUG"):
        import traceback

        console.print(escape(mask("".join(traceback.format_exception(exc)))), markup=False, highlight=False)
    console.print(f"[bold red]error:[/] {escape(mask(message))}", markup=True, highlight=False)
    return code


def _usage_error(exc: Exception, show: Any) -> int:
    """A usage error of the (vendored) click layer as one line on stderr, exit 2, like every other error:
    ``error: No such option: --bogus (see 'schemaguard diff --help')``. A help screen that click raises as an
    error (a group called without a command) is shown whole, as asked."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":
        show()
        return EXIT_ERROR
    from rich.markup import escape

    from schemaguard.db import mask

    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    STATE.err_console().print(f"[bold red]error:[/] {escape(mask(message + hint))}", markup=True, highlight=False)
    return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the exit code. Every deliberate error is printed as one clean
    message on stderr, never a traceback."""
    if argv is None:
        # A CLI run is short-lived and builds large trees of objects without cycles (a 5,000-table schema is
        # ~10^6 objects): the cyclic collector only re-scans them, costing up to 60% of a run. The process
        # ends soon after; memory is returned then.
        import gc

        gc.disable()
    code: int
    try:
        args = hoist_global_options(sys.argv[1:] if argv is None else argv)
        result = app(args=args, standalone_mode=False, prog_name="schemaguard")
        code = result if isinstance(result, int) else EXIT_OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        code = 130
    except Exception as exc:
        show = getattr(exc, "show", None)
        code = _usage_error(exc, show) if show is not None and hasattr(exc, "exit_code") else report_error(exc)
    if argv is None:
        import gc

        # The interpreter's last collection at exit scans every live object even with the collector disabled
        # (about 0.1 s after a 1,000-table diff); frozen objects are skipped. Nothing with a finaliser depends
        # on that collection: files, pools and connections are closed by now.
        gc.freeze()
        sys.exit(code)
    return code
