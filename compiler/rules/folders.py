"""Where the generated shared folders may go: never into an app's own folder."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.core.diagnostics import Diagnostic
from compiler.rules import PolicyContext, policy_rule


@policy_rule(
    "BP333",
    "shared-folder-in-app",
    "error",
    passing="output: {shared: {dashboard: kubernetes/apps/observability/dashboards}}",
    failing="output: {shared: {dashboard: kubernetes/apps/media/jellyfin/backup}}",
)
def shared_folder_in_app(context: PolicyContext) -> Iterator[Diagnostic]:
    """A folder of ``output.shared`` is outside every service's app folder.

    An app's folder holds its own kustomization and the backup Component the compile
    writes there: a shared folder in it would write two files on one path (its
    ``backup/``), or put a generated kustomization where the app's own is looked for
    (the app's root), so the next compile would read the app wrong.
    """
    cluster = context.analysis.policies.cluster
    apps = {service.app_dir: service.key for service in context.analysis.services}
    for tool, folder in sorted(cluster.policy.spec.output.shared.items()):
        parts = folder.strip("/").split("/")
        inside = ("/".join(parts[:end]) for end in range(len(parts), 0, -1))
        app = next((a for a in inside if a in apps), None)
        if app is None:
            continue
        yield shared_folder_in_app.at(
            cluster.doc,
            ("spec", "output", "shared", tool),
            f"the {tool} folder {folder} is {'the' if app == folder.strip('/') else 'inside the'}"
            f" app folder {app} of {apps[app]}",
            "put it in a folder of its own (a namespace's, as kubernetes/apps/observability/"
            f"{tool}), listed by a kustomization Flux applies",
        )


RULES = (shared_folder_in_app,)
