"""``python -m contrastkit`` runs the command-line tool."""

from contrastkit.cli import run

run()
