"""Does the post-renderer hit what a bjw-s app-template release really renders?

The problems found here are reported by rule BP372 (:mod:`.tree_rules`) as
(policy path, message, hint).
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.core.rule import PathKey
from compiler.tools.litestream.inject import rendered_target
from compiler.tree import HelmRelease
from compiler.tree.apptemplate import ChartRender, Controller, app_template_render

Problem = tuple[PathKey, str, str]
SILENT = "the post-renderer patch would match nothing and Litestream would silently not run"


def _chosen(
    render: ChartRender, service: EffectiveService, release: str
) -> tuple[Controller | None, Problem | None]:
    workload = service.source.policy.spec.workload
    names = ", ".join(c.identifier for c in render.controllers) or "none"
    if workload.controller is not None:
        found = render.controller(workload.controller)
        if found is not None:
            return found, None
        message = f"HelmRelease {release!r} has no enabled controller {workload.controller!r}"
        hint = f"controllers in its values: {names}"
        return None, (("spec", "workload", "controller"), message, hint)
    if len(render.controllers) == 1:
        return render.controllers[0], None
    message = (
        f"HelmRelease {release!r} renders {len(render.controllers)} controllers; "
        "the one that runs the database is not named"
    )
    return None, (("spec", "workload"), message, f"set workload.controller to one of: {names}")


def _target_problems(
    render: ChartRender, controller: Controller, service: EffectiveService
) -> Iterator[Problem]:
    workload = service.source.policy.spec.workload
    if controller.kind not in {"Deployment", "StatefulSet"}:
        message = (
            f"controller {controller.identifier!r} is a {controller.kind}: a Litestream sidecar "
            "needs a long-running Deployment or StatefulSet"
        )
        yield ("spec", "workload", "controller"), message, ""
        return
    kind, name = rendered_target(workload)
    if (kind, name) != (controller.kind, controller.name):
        where = ("spec", "workload", "renders") if workload.renders else ("spec", "workload")
        message = (
            f"the post-renderer targets {kind} {name!r}, but {render.chart} renders "
            f"{controller.kind} {controller.name!r} for controller {controller.identifier!r}: "
            f"{SILENT}"
        )
        hint = f"set workload.renders: {{kind: {controller.kind}, name: {controller.name}}}"
        yield where, message, hint
    if workload.container is not None and workload.container not in controller.containers:
        message = f"controller {controller.identifier!r} has no container {workload.container!r}"
        hint = f"containers: {', '.join(controller.containers) or 'none'}"
        yield ("spec", "workload", "container"), message, hint


def _volume_problems(
    render: ChartRender, controller: Controller | None, service: EffectiveService
) -> Iterator[Problem]:
    """The sidecar mounts each database's volume: a pod volume of the chosen controller (a
    persistence item mounted there) or one of its StatefulSet's claim templates."""
    volumes = controller.mountable if controller is not None else render.volumes
    whose = f"the pods of controller {controller.identifier!r}" if controller else "the release"
    for index, db in enumerate(service.source.policy.spec.sqlite):
        if db.volume not in volumes:
            message = (
                f"{db.path} is on volume {db.volume!r}, which is not a volume of {whose} "
                "(persistence, with its globalMounts/advancedMounts, and claim templates): "
                "the sidecar could not mount the database"
            )
            hint = f"volumes there: {', '.join(volumes) or 'none'}"
            yield ("spec", "sqlite", index, "volume"), message, hint


def chart_problems(release: HelmRelease, service: EffectiveService) -> Iterator[Problem]:
    """What is wrong with the injection into ``release``, when its render can be known."""
    render = app_template_render(release)
    if render is None:
        return
    workload = service.source.policy.spec.workload
    controller, problem = _chosen(render, service, workload.name)
    if problem is not None:
        yield problem
    if controller is not None:
        yield from _target_problems(render, controller, service)
    yield from _volume_problems(render, controller, service)
