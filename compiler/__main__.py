"""``python -m compiler`` runs the program (a replay, else the CLI)."""

from compiler.cli.entry import main

main()
