"""Stage 6, render: each planned file becomes its header plus YAML from the one writer."""

from __future__ import annotations

import yaml

from compiler.core.generated import HEADER_MARK
from compiler.plan import OutputFile
from compiler.plan.k8s import kustomization
from compiler.render import render_file


def test_render_file_puts_the_header_first_then_documents() -> None:
    planned = OutputFile(
        "x/kustomization.yaml", ("p.yaml",), (kustomization(["a.yaml", "b: c.yaml"]),)
    )
    text = render_file(planned)
    assert text.startswith(HEADER_MARK)
    assert "\n---\n" in text and text.endswith("\n") and not text.endswith("\n\n")
    assert yaml.safe_load(text)["resources"] == ["a.yaml", "b: c.yaml"]
    assert render_file(planned) == text  # deterministic


def test_a_text_file_keeps_its_text_after_the_header() -> None:
    script = OutputFile("x/run.sh", ("p.yaml",), text="echo hi\n")
    text = render_file(script)
    assert text.startswith("#!/bin/sh\n" + HEADER_MARK) and text.endswith("\necho hi\n")
