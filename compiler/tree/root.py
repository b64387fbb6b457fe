"""The output root must be a real folder of the repository: no link leads out of it."""

from __future__ import annotations

from pathlib import Path

from compiler.core.paths import from_cwd, inside, symlink_between
from compiler.core.rule import Rule

OUTPUT_ROOT = Rule(
    "BP106",
    "output-root",
    "error",
    "The output root is a folder (or not there yet) inside the repository, reached without "
    "symbolic links.",
    "Everything the compiler writes goes below the output root; a root outside the "
    "repository, or one reached through a symbolic link, could send those writes anywhere. "
    "The same holds for --output.",
    passing="output: {root: out}",
    failing="output: {root: out}  # and out is a symbolic link to /srv/www",
)


def root_problem(repository: Path, root: Path) -> str:
    """Why ``root`` may not be written to ('' when it may): the repository itself may be
    the root (``output.root: .``, the apps beside the policies)."""
    if root.resolve() == repository.resolve():
        return ""
    if not inside(root.parent, repository) or (root.is_symlink() and not inside(root, repository)):
        return f"{root} is outside the repository {repository}"
    link = symlink_between(repository, root.parent.resolve() / root.name)
    if link is not None:
        return f"{root} is reached through the symbolic link {link}"
    if root.exists() and not root.is_dir():
        return f"{from_cwd(root)} is a file, not a folder"
    return ""
