"""BP372 litestream-chart-target: the post-renderer must hit what the chart really renders.

A kustomize patch whose target matches nothing is applied to nothing, without a word: the
release installs, the app runs, and Litestream never starts. For a bjw-s app-template release
the compiler works out the rendered controllers (:mod:`compiler.litestream.helmchart`) and
refuses a policy whose target, controller, container or database volume is not among them.

Passes::

    workload: {kind: HelmRelease, name: linkding, controller: app}
    # helmrelease.yaml: values.controllers has only `app` -> Deployment "linkding"

Fails::

    workload: {kind: HelmRelease, name: linkding, controller: app}
    # values.controllers has `app` and `worker` -> Deployment "linkding-app", not "linkding"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic
from compiler.litestream.helmchart import ChartRender, Controller, app_template_render

if TYPE_CHECKING:
    from compiler.analyse.effective import EffectiveService

RULE = "BP372"
SILENT = "the post-renderer patch would match nothing and Litestream would silently not run"


def _chosen(
    render: ChartRender, service: EffectiveService, release: str
) -> tuple[Controller | None, Diagnostic | None]:
    workload = service.source.policy.spec.workload
    doc = service.source.doc
    names = ", ".join(c.identifier for c in render.controllers) or "none"
    if workload.controller is not None:
        found = render.controller(workload.controller)
        if found is not None:
            return found, None
        message = f"HelmRelease {release!r} has no enabled controller {workload.controller!r}"
        hint = f"controllers in its values: {names}"
        return None, doc.diagnostic(("spec", "workload", "controller"), RULE, message, hint)
    if len(render.controllers) == 1:
        return render.controllers[0], None
    message = (
        f"HelmRelease {release!r} renders {len(render.controllers)} controllers; "
        "the one that runs the database is not named"
    )
    hint = f"set workload.controller to one of: {names}"
    return None, doc.diagnostic(("spec", "workload"), RULE, message, hint)


def _target_problems(
    render: ChartRender, controller: Controller, service: EffectiveService
) -> Iterator[Diagnostic]:
    from compiler.litestream.inject import rendered_target

    workload = service.source.policy.spec.workload
    doc = service.source.doc
    if controller.kind not in {"Deployment", "StatefulSet"}:
        yield doc.diagnostic(
            ("spec", "workload", "controller"),
            RULE,
            f"controller {controller.identifier!r} is a {controller.kind}: a Litestream sidecar "
            "needs a long-running Deployment or StatefulSet",
        )
        return
    kind, name = rendered_target(workload)
    if (kind, name) != (controller.kind, controller.name):
        where = ("spec", "workload", "renders") if workload.renders else ("spec", "workload")
        yield doc.diagnostic(
            where,
            RULE,
            f"the post-renderer targets {kind} {name!r}, but {render.chart} renders "
            f"{controller.kind} {controller.name!r} for controller {controller.identifier!r}: "
            f"{SILENT}",
            f"set workload.renders: {{kind: {controller.kind}, name: {controller.name}}}",
        )
    if workload.container is not None and workload.container not in controller.containers:
        yield doc.diagnostic(
            ("spec", "workload", "container"),
            RULE,
            f"controller {controller.identifier!r} has no container {workload.container!r}",
            f"containers: {', '.join(controller.containers) or 'none'}",
        )


def _volume_problems(render: ChartRender, service: EffectiveService) -> Iterator[Diagnostic]:
    for index, db in enumerate(service.source.policy.spec.sqlite):
        if db.volume not in render.volumes:
            yield service.source.doc.diagnostic(
                ("spec", "sqlite", index, "volume"),
                RULE,
                f"{db.path} is on volume {db.volume!r}, which the release's persistence does "
                "not define: the sidecar could not mount the database",
                f"persistence keys: {', '.join(render.volumes) or 'none'}",
            )


def chart_target_checks(
    path: Path, release: dict[str, Any], service: EffectiveService
) -> Iterator[Diagnostic]:
    """BP372 for the HelmRelease in ``path``, when its chart render can be worked out."""
    render = app_template_render(path.parent, release)
    if render is None:
        return
    workload = service.source.policy.spec.workload
    controller, problem = _chosen(render, service, workload.name)
    if problem is not None:
        yield problem
    if controller is not None:
        yield from _target_problems(render, controller, service)
    yield from _volume_problems(render, service)
