"""The command-line interface: a thin Typer layer over :mod:`schemaguard.api`."""
