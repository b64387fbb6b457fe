"""Tree rules of Litestream: the release the sidecar is injected into, and the format the
committed generated config uses (migrations: :mod:`compiler.tools.litestream.tree_migration`)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import EffectiveService
from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.tools.litestream.chart import chart_problems
from compiler.tree.fluxreleases import app_release


def _with_sqlite(context: TreeContext) -> Iterator[EffectiveService]:
    return (s for s in context.analysis.services if s.source.policy.spec.sqlite)


@tree_rule(
    "BP371",
    "litestream-post-renderers",
    "error",
    passing="workload: {kind: HelmRelease, name: x, existingPostRenderers: true}  # it has some",
    failing="workload: {kind: HelmRelease, name: x}  # the release has spec.postRenderers",
)
def post_renderers(context: TreeContext) -> Iterator[Diagnostic]:
    """``existingPostRenderers`` says whether the app's HelmRelease has post-renderers.

    Creating the list would replace the user's post-renderers; appending to a list that
    does not exist makes kustomize fail.
    """
    for service in _with_sqlite(context):
        workload = service.source.policy.spec.workload
        if workload.kind != "HelmRelease":
            continue
        release = app_release(context.inventory, service.app_dir, workload.name)
        if release is None or release.post_renderers == workload.existing_post_renderers:
            continue
        where = f"under {service.app_dir}"
        message = (
            f"HelmRelease {workload.name!r} ({where}) has spec.postRenderers: the generated "
            "post-renderer would replace them"
            if release.post_renderers
            else f"HelmRelease {workload.name!r} ({where}) has no spec.postRenderers to append to"
        )
        wanted = "true" if release.post_renderers else "false"
        yield post_renderers.at(
            service.source.doc,
            ("spec", "workload", "existingPostRenderers"),
            message,
            f"set workload.existingPostRenderers: {wanted}",
        )


@tree_rule(
    "BP372",
    "litestream-chart-target",
    "error",
    passing="workload: {kind: HelmRelease, name: linkding, controller: app}\n"
    "# values.controllers has only app -> Deployment linkding",
    failing="workload: {kind: HelmRelease, name: linkding, controller: app}\n"
    "# values.controllers has app and worker -> Deployment linkding-app",
)
def chart_target(context: TreeContext) -> Iterator[Diagnostic]:
    """The post-renderer hits what the chart really renders.

    A kustomize patch whose target matches nothing is applied to nothing, without a word:
    the release installs, the app runs, and Litestream never starts. For a bjw-s
    app-template release the compiler works out the rendered controllers from its values
    and refuses a policy whose target, controller, container or database volume is not
    among them.
    """
    for service in _with_sqlite(context):
        workload = service.source.policy.spec.workload
        if workload.kind != "HelmRelease":
            continue
        release = app_release(context.inventory, service.app_dir, workload.name)
        if release is not None:
            for path, message, hint in chart_problems(release, service):
                yield chart_target.at(service.source.doc, path, message, hint)


RULES = (post_renderers, chart_target)
