"""Stage 6, render: planned files to text, every YAML document through the one writer.

Each file starts with a header naming every policy it came from, one per line, so its owner
is obvious and ownership can be proven (a file without the header is never touched). A
Markdown file (the generated docs) gets it as an HTML comment and is never Flux-escaped:
Flux does not read it, and its commands are for people to run.
"""

from __future__ import annotations

from functools import partial

from compiler.core.emit import dump_documents, flux_escaped
from compiler.core.fluxvar import unescape_kept
from compiler.core.generated import header, markdown_header
from compiler.core.parallel import map_items
from compiler.plan import OutputFile, Plan


def render_file(planned: OutputFile, flux: bool = False, kept: frozenset[str] = frozenset()) -> str:
    """Header and content; with Flux substitution on, every ``${`` is escaped (emit.py)."""
    if planned.text is not None and planned.path.endswith(".md"):
        return markdown_header(planned.sources) + planned.text
    if planned.text is not None:
        shebang = "#!/bin/sh\n" if planned.path.endswith(".sh") else ""
        text = unescape_kept(flux_escaped(planned.text), kept) if flux else planned.text
        return shebang + header(planned.sources) + text
    return header(planned.sources) + unescape_kept(
        dump_documents(planned.documents, flux=flux), kept
    )


def render(
    plan: Plan, flux: bool = False, kept: frozenset[str] = frozenset(), workers: int = 1
) -> dict[str, str]:
    """Path -> text for every planned file (by up to ``workers`` processes); ``flux``: Flux
    substitutes the generated files, but for the plan's ``unsubstituted`` folders."""
    unsubstituted = frozenset(plan.unsubstituted)
    texts = map_items(partial(_rendered, flux, kept, unsubstituted), plan.files, workers)
    return {planned.path: text for planned, text in zip(plan.files, texts, strict=True)}


def _rendered(
    flux: bool, kept: frozenset[str], unsubstituted: frozenset[str], planned: OutputFile
) -> str:
    parts = planned.path.split("/")
    folders = ("/".join(parts[:end]) for end in range(1, len(parts)))
    return render_file(planned, flux and unsubstituted.isdisjoint(folders), kept)
