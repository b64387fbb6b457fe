"""Stage 5, render: each planned file becomes its header plus YAML from the one writer."""

from __future__ import annotations

import yaml

from compiler.plan import PlannedFile
from compiler.plan.objects import ResourceList
from compiler.render import HEADER_MARK, header, render_file


def test_header_lists_every_source_on_its_own_line() -> None:
    sources = tuple(f"policies/services/app-{i}.yaml" for i in range(5))
    lines = header(sources).splitlines()
    assert lines[0] == f"{HEADER_MARK} from:"
    assert lines[1:6] == [f"#   {s}" for s in sources]
    assert "Do not edit" in lines[6]
    assert all(len(line) < 100 for line in lines)


def test_a_source_name_never_breaks_out_of_the_comment() -> None:
    text = header(("policies/evil\nkind: Secret.yaml", "p" * 300 + ".yaml"))
    assert all(line.startswith("#") for line in text.splitlines())
    assert yaml.safe_load(text) is None
    assert all(len(line) < 100 for line in text.splitlines())


def test_render_file_puts_the_header_first_then_documents() -> None:
    planned = PlannedFile(
        "x/kustomization.yaml",
        "kustomize/resources.yaml.j2",
        ("p.yaml",),
        ResourceList(("a.yaml", "b: c.yaml")),
    )
    text = render_file(planned)
    assert text.startswith(HEADER_MARK)
    assert "\n---\n" in text and text.endswith("\n") and not text.endswith("\n\n")
    data = yaml.safe_load(text)
    assert data["resources"] == ["a.yaml", "b: c.yaml"]
    assert render_file(planned) == text  # deterministic
