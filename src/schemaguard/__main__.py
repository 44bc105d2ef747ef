"""``python -m schemaguard`` runs the CLI."""

from schemaguard.cli.app import main

main()
