"""``python -m compiler`` runs the CLI."""

from compiler.cli.main import main

main()
