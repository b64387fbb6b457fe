"""The ``backup-policy`` program: a run whose inputs did not change is replayed
(:mod:`compiler.core.replay`) before click, pydantic and the stages are imported; any
other run goes to the click CLI (:mod:`compiler.cli.main`)."""

from __future__ import annotations

import errno
import os
import sys
from typing import NoReturn

from compiler.cli.streams import unwritable
from compiler.core.replay import Armed, Recorded, arm, lookup

EXIT_INTERNAL = 3
"""compiler.commands.EXIT_INTERNAL (not imported from there: that loads the stages)."""


def main() -> None:
    armed, found = _lookup()
    if found is not None:
        _print(found)
    # Imported only now: a replayed run never pays for click, pydantic and the stages.
    from compiler.cli.main import main as run

    run(armed)


def _lookup() -> tuple[Armed | None, Recorded | None]:
    """This run's replay key, and what to replay; (None, None) when the lookup fails in
    any way (a working folder deleted, a tree too deep to walk): replay only saves time,
    it never fails a run, and the full run reports what is wrong."""
    try:
        armed = arm(sys.argv[1:], os.environ)
        if armed is None:
            return None, None
        found, armed = lookup(armed)
        return armed, found
    except Exception:  # see above
        return None, None


def _print(recorded: Recorded) -> NoReturn:
    """Print as :func:`compiler.cli.runner.emit` does: stdout, then stderr, each flushed;
    a reader that stopped (``| head``) ends the run with 1, as click does."""
    try:
        for stream, text in ((sys.stdout, recorded.stdout), (sys.stderr, recorded.stderr)):
            if text:
                stream.write(text)
                stream.flush()
    except OSError as error:
        if error.errno != errno.EPIPE:
            unwritable(error, EXIT_INTERNAL)
        os._exit(1)
    sys.exit(recorded.exit_code)
