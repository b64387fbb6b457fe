"""A service's Litestream setup is resolved once per service and cluster policy."""

from __future__ import annotations

from msgspec.structs import replace

from compiler.config import RunConfig
from compiler.pipeline.validate import validate
from compiler.tools.litestream.resolve import resolve
from tests.conftest import REPO


def test_a_services_setup_is_made_once_per_service_and_cluster_policy() -> None:
    analysis = validate(RunConfig(policies=REPO / "policies")).analysis
    assert analysis is not None
    cluster = analysis.policies.cluster.policy.spec
    service = next(s for s in analysis.services if s.source.policy.spec.sqlite)

    first = resolve(cluster, service)
    assert first is not None and first.key == service.key
    assert resolve(cluster, service) is first  # asked again: the same value

    changed = cluster.model_copy(deep=True)
    assert resolve(changed, service) == first  # another policy object: made again
    assert resolve(changed, service) is not first
    assert resolve(cluster, replace(service)) is not first  # another service: its own
