"""Stage 6, render: planned files to text, every YAML document through the one writer.

Each file starts with a header naming every policy it came from, one per line, so its owner
is obvious and ownership can be proven (a file without the header is never touched).
"""

from __future__ import annotations

from compiler.core.emit import dump_documents
from compiler.core.generated import header
from compiler.plan import OutputFile, Plan


def render_file(planned: OutputFile) -> str:
    if planned.text is not None:
        shebang = "#!/bin/sh\n" if planned.path.endswith(".sh") else ""
        return shebang + header(planned.sources) + planned.text
    return header(planned.sources) + dump_documents(planned.documents)


def render(plan: Plan) -> dict[str, str]:
    """Path -> text for every planned file."""
    return {planned.path: render_file(planned) for planned in plan.files}
