"""``drill TEST-ID``: the manifests of one run of a restore test, and its checklist.

load -> model -> analyse -> policy rules (as ``validate``), then every tool's ``drill`` part
for the test (``full-dr``: every tool's ``runbook`` of every service in scope, critical
first), the files shared by the parts (test namespaces, the scripts ConfigMap), rendered and
written to ``<output root>/<spec.output.drills>/<date>-<test id>/``. Nothing is written when
a policy does not load; the policy rules' errors are reported but do not stop a drill (a
failed or overdue restore test is what a drill is run for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from msgspec import field

from compiler.analyse import Analysis, EffectiveService
from compiler.analyse.evidence import names
from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.templates import template_text
from compiler.core.text import did_you_mean
from compiler.model.restore import RestoreTest
from compiler.pipeline import Result
from compiler.pipeline.checklist import (
    NAMESPACES_FILE,
    SCRIPTS_FILE,
    Group,
    Section,
    after,
    before,
    by_classification,
    run,
    test_namespaces,
)
from compiler.pipeline.oneoff import Folder, oneoff_folder, write_oneoff
from compiler.pipeline.validate import analyse_stage, load_stage
from compiler.plan import OutputFile, PlanContext
from compiler.plan.drills import SCRIPTS_CONFIG_MAP, DrillContext, DrillPart, DrillStep
from compiler.policies import Policies
from compiler.registry import DEFAULT, Toolset
from compiler.tree.read import read_tree


class DrillResult(Result):
    """A validate result plus the drill: its test, folder, files and checklist; ``usage``
    says why the command could not start (an unknown test ID), ``problems`` why the files
    were not written."""

    date: dt.date | None = None
    usage: str = ""
    test: RestoreTest | None = None
    folder: str = ""
    files: tuple[str, ...] = ()
    sources: frozenset[str] = frozenset()
    problems: tuple[Diagnostic, ...] = ()
    checklist: tuple[Section, ...] = field(default_factory=tuple)


def find_test(policies: Policies, test_id: str) -> RestoreTest | str:
    """The test with ``test_id``, or the usage message (with a did-you-mean)."""
    plan = policies.restore_plan
    tests = plan.policy.spec.tests if plan is not None else []
    for test in tests:
        if test.id == test_id:
            return test
    known = [t.id for t in tests]
    hint = did_you_mean(test_id, known) or f"known tests: {', '.join(known) or 'none'}"
    return f"unknown restore test {test_id!r}. {hint}"


def _shared_files(
    context: DrillContext, test: RestoreTest, parts: Sequence[DrillPart], source: str
) -> list[OutputFile]:
    """The test namespaces and, in each, the ConfigMap with the scripts the pods run."""
    namespaces = test_namespaces(parts)
    if not namespaces:
        return []
    labels = context.labels(test)
    documents = tuple(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}
        for ns in namespaces
    )
    files = [OutputFile(f"{context.folder}/{NAMESPACES_FILE}", (source,), documents)]
    scripts = sorted({name for part in parts for name in part.scripts})
    if scripts:
        data = {name: template_text(f"drill/{name}") for name in scripts}
        maps = tuple(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": SCRIPTS_CONFIG_MAP, "namespace": ns, "labels": labels},
                "data": data,
            }
            for ns in namespaces
        )
        files.append(OutputFile(f"{context.folder}/{SCRIPTS_FILE}", (source,), maps))
    return files


def _runbook(
    context: PlanContext, services: Sequence[EffectiveService], toolset: Toolset
) -> Section:
    """full-dr: every tool's restore steps of every service, critical services first."""
    groups, seen = [], set()
    for service in by_classification(services):
        steps = []
        for tool in toolset.tools:
            found = []
            for step in tool.runbook(context, service):
                text = f"{tool.title}: {step.title}"
                done = (text, step.commands) in seen  # a namespace shared by services
                found.append(
                    DrillStep(
                        f"{text} (done above)" if done else text, () if done else step.commands
                    )
                )
                seen.add((text, step.commands))
            if not found and tool.method is not None and tool.method in service.methods:
                found = [DrillStep(f"{tool.title}: no restore steps known; restore by hand")]
            steps += found
        title = f"{service.classification}: {service.key}"
        groups.append(Group(title, tuple(steps or [DrillStep("nothing to restore")])))
    return Section("Run (Durchführung)", tuple(groups))


def _parts(
    context: DrillContext,
    test: RestoreTest,
    services: Sequence[EffectiveService],
    toolset: Toolset,
) -> list[DrillPart]:
    found = (tool.drill(context, test, services) for tool in toolset.tools)
    return [part for part in found if part is not None]


def _files(
    context: DrillContext, test: RestoreTest, parts: Sequence[DrillPart], analysis: Analysis
) -> list[OutputFile]:
    plan = analysis.policies.restore_plan
    assert plan is not None
    files = _shared_files(context, test, parts, plan.file)
    for part in parts:
        for file in part.files:
            sources = (plan.file, *file.sources)
            files.append(OutputFile(f"{context.folder}/{file.name}", sources, file.documents))
    return sorted(files, key=lambda f: f.path)


def _drill(
    config: RunConfig,
    result: DrillResult,
    test: RestoreTest,
    folder: Folder,
    toolset: Toolset,
) -> None:
    analysis = result.analysis
    assert analysis is not None and result.date is not None and result.output_root is not None
    inventory = read_tree(result.output_root, result.shown_root, skip=(config.policies,))
    context = DrillContext(analysis, result.date, folder.path, folder.shown, inventory)
    services = [s for s in analysis.services if names(test, s)]
    parts = _parts(context, test, services, toolset)
    files = _files(context, test, parts, analysis)
    plan = PlanContext(analysis, inventory)
    middle = _runbook(plan, services, toolset) if test.type == "full-dr" else run(parts)
    scripts = any(part.scripts for part in parts)
    result.checklist = (
        before(context, test, services, parts, scripts),
        middle,
        after(context, test, parts, config.policies),
    )
    result.folder = folder.shown
    result.sources = frozenset(
        {analysis.policies.cluster.file, *(s.source.file for s in services)}
        | {f for file in files for f in file.sources}
    )
    result.files = tuple(f.path for f in files)
    again = f"backup-policy drill {test.id} --date {context.date}"
    result.problems = tuple(write_oneoff(config, folder, files, again))
    result.diagnostics.extend(result.problems)


def drill(
    config: RunConfig, test_id: str, day: dt.date | None = None, toolset: Toolset = DEFAULT
) -> DrillResult:
    """Write the drill of ``test_id`` on ``day`` (default: today) and build its checklist."""
    result = DrillResult(date=day or config.date)
    policies = load_stage(config, result, toolset)
    if policies is None:
        return result
    analyse_stage(result, policies, toolset, config.date)
    result.accept_acknowledged(toolset.rules, config.date)
    if result.analysis is None:
        return result  # a policy that does not load; rule errors do not stop a drill
    test = find_test(policies, test_id)
    if isinstance(test, str):
        result.usage = test
        return result
    result.test = test
    name = f"{result.date}-{test.id}"
    folder = oneoff_folder(config, result, policies, name)
    if folder is not None:
        _drill(config, result, test, folder, toolset)
    return result
