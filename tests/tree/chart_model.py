"""Compare the compiler's app-template model with a real render of the chart.

The model (:func:`compiler.tree.apptemplate.app_template_render`) is what the compiler
believes a HelmRelease renders; the chart, rendered offline by helm-python-sdk
(``tests/support/charts.py``), is what Flux would install. :func:`model_and_render` gives both
as the same plain shapes, so a test asserts they are equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.tree import HelmRelease
from compiler.tree.apptemplate import ChartRender, app_template_render
from tests.conftest import require_tool
from tests.support.charts import (
    CHARTS_ENV,
    Document,
    chart_dir,
    claim_names,
    container_names,
    find_objects,
    helm_sdk_available,
    render_chart,
    volume_claim_template_names,
    volume_names,
    workloads,
)

CHART_OF_MAJOR = {3: "3.7.3", 4: "4.1.1", 5: "5.0.0"}
"""The chart each major version is rendered with (5.0.0 stands in for the realworld trees'
5.1.0, which is not available: ../shared/charts/PROVENANCE.md; its naming templates are
4.1.1's, byte for byte)."""

Shape = dict[str, Any]


def needs_chart(version: str) -> Path:
    require_tool("helm-python-sdk (import helm_python)", helm_sdk_available())
    path = chart_dir(version)
    require_tool(f"the app-template {version} chart in {path} (set {CHARTS_ENV})", path.is_dir())
    return path


def _pvc_class(document: Document) -> str:
    return str((document.get("spec") or {}).get("storageClassName") or "")


def rendered_shape(documents: list[Document]) -> Shape:
    """What the real render holds, per workload and PVC."""
    shape: Shape = {}
    for workload in workloads(documents):
        key = f"{workload['kind']} {workload['metadata']['name']}"
        shape[key] = {
            "containers": sorted(container_names(workload)),
            "init": sorted(container_names(workload, init=True)),
            "volumes": sorted(volume_names(workload)),
            "claims": claim_names(workload),
            "templates": volume_claim_template_names(workload),
        }
    for pvc in find_objects(documents, "PersistentVolumeClaim"):
        shape[f"PersistentVolumeClaim {pvc['metadata']['name']}"] = _pvc_class(pvc)
    return shape


def model_shape(render: ChartRender) -> Shape:
    """The same shape from the model."""
    shape: Shape = {}
    for controller in render.controllers:
        shape[f"{controller.kind} {controller.name}"] = {
            "containers": sorted(controller.containers),
            "init": sorted(controller.init_containers),
            "volumes": sorted(controller.volumes),
            "claims": {v: render.claims[v] for v in controller.volumes if v in render.claims},
            "templates": [t.name for t in controller.claim_templates],
        }
    for pvc in render.pvcs:
        shape[f"PersistentVolumeClaim {pvc.name}"] = pvc.storage_class
    return shape


def model_and_render(release: HelmRelease, namespace: str = "apps") -> tuple[Shape, Shape]:
    """(model, real render) of a HelmRelease whose render the model claims to know."""
    render = app_template_render(release)
    assert render is not None, f"the model claims nothing for {release.manifest.file}"
    major = int(render.chart.split()[1].split(".")[0])
    chart = needs_chart(CHART_OF_MAJOR[major])
    values = dict(release.values or {})
    documents = render_chart(chart, values, release.release_name, namespace)
    return model_shape(render), rendered_shape(documents)
