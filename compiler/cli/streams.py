"""Output that could not be written: what the CLI and a replayed run
(:mod:`compiler.cli.entry`) both do. No click here: a replayed run never imports it."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn


def unwritable(error: OSError, exit_code: int) -> NoReturn:
    """The output could not be written (a full disk, a device error): one line on stderr
    and ``exit_code``, never a traceback. What is still buffered for the failed stream goes
    to /dev/null, so that the exit's flush does not fail on it again (exit 120)."""
    reason = error.strerror or str(error)
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr may have failed
        sys.stderr.write(f"backup-policy: cannot write the output: {reason}\n")
        sys.stderr.flush()
    with contextlib.suppress(OSError, ValueError, AttributeError):  # a test's capture, None
        descriptors = [sys.stdout.fileno(), sys.stderr.fileno()]
        null = os.open(os.devnull, os.O_WRONLY)
        for descriptor in descriptors:
            os.dup2(null, descriptor)
        os.close(null)
    sys.exit(exit_code)
