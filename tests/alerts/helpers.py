"""Compiled alert rules and dashboard queries of the example, and ``promtool`` around them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import promql_parser
import yaml

from compiler.config import RunConfig
from compiler.pipeline.build import BuildResult, build
from tests.conftest import REPO, crd_dir, require_tool

State = Literal["none", "pending", "firing"]
Value = float | int | str | None  # None: no sample; "stale": a staleness marker


def compile_root(root: Path = REPO) -> BuildResult:
    """A compile of ``root``'s policies (nothing is written)."""
    result = build(RunConfig(policies=root / "policies", output=root / "out"))
    assert result.outputs is not None, result.diagnostics.sorted()
    return result


@cache
def example_result() -> BuildResult:
    """The example's compile, once per test process: several modules read its output at
    collection (their parameters), and none changes it."""
    return compile_root()


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if isinstance(d, dict)]


def rule_objects(outputs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Path -> the PrometheusRule object of every generated rule file."""
    found = {}
    for path, text in sorted(outputs.items()):
        if path.endswith(".md"):
            continue  # the generated docs
        for doc in documents(text):
            if doc.get("kind") == "PrometheusRule":
                found[path] = doc
    return found


def rules_of(outputs: dict[str, str]) -> list[dict[str, Any]]:
    return [
        r
        for doc in rule_objects(outputs).values()
        for g in doc["spec"]["groups"]
        for r in g["rules"]
    ]


def dashboard_model(outputs: dict[str, str]) -> dict[str, Any]:
    for path, text in outputs.items():
        if path.endswith(".md"):
            continue
        for doc in documents(text):
            if doc.get("kind") == "ConfigMap" and "grafana_dashboard" in doc["metadata"]["labels"]:
                data: dict[str, Any] = json.loads(doc["data"]["backups.json"])
                return data
    raise AssertionError("no dashboard ConfigMap")


def dashboard_exprs(outputs: dict[str, str]) -> list[str]:
    return [t["expr"] for p in dashboard_model(outputs)["panels"] for t in p.get("targets", [])]


@dataclass(frozen=True)
class Selector:
    metric: str
    labels: tuple[tuple[str, str, str], ...]  # (name, op, value)


_OPS = {
    "MatchOp.Equal": "=",
    "MatchOp.NotEqual": "!=",
    "MatchOp.Re": "=~",
    "MatchOp.NotRe": "!~",
}


def selectors(expr: str) -> list[Selector]:
    """Every vector selector of a PromQL expression (metric name and label matchers)."""
    found: list[Selector] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = tuple(
                (m.name, _OPS[str(m.op)], m.value)
                for m in node.matchers.matchers
                if m.name != "__name__"
            )
            found.append(Selector(node.name or "", matchers))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def _children(node: Any) -> list[Any]:
    if isinstance(node, promql_parser.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, promql_parser.Call):
        return list(node.args)
    if isinstance(node, promql_parser.MatrixSelector):
        return []  # a range: its counter is read through a rate-like function
    if hasattr(node, "expr"):
        return [node.expr]
    return []


def instant_counters(node: Any, counters: set[str]) -> list[str]:
    """Counters read as instant values (not over a range) under ``node``."""
    if isinstance(node, promql_parser.VectorSelector):
        return [node.name] if node.name in counters else []
    return [name for child in _children(node) for name in instant_counters(child, counters)]


def ratios_of_instant_counters(expr: str, counters: set[str]) -> list[str]:
    """Divisions with a counter's lifetime value on either side (they go blind: SPEC §9.6)."""
    found: list[str] = []

    def visit(node: Any) -> bool:
        divides = isinstance(node, promql_parser.BinaryExpr) and str(node.op) == "/"
        if divides and (
            instant_counters(node.lhs, counters) or instant_counters(node.rhs, counters)
        ):
            found.append(str(node))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def promtool() -> str:
    found = shutil.which("promtool")
    require_tool("promtool (Debian package prometheus)", found is not None)
    assert found is not None
    return found


def rule_file(obj: dict[str, Any], path: Path) -> Path:
    """A PrometheusRule's groups as the rule file Prometheus loads."""
    path.write_text(yaml.safe_dump({"groups": obj["spec"]["groups"]}, sort_keys=False))
    return path


def timeline(length: int, *changes: tuple[int, Value]) -> list[Value]:
    """One value per minute: each (minute, value) holds until the next change; ``"stale"``
    is one staleness marker, then nothing."""
    out: list[Value] = []
    current: Value = None
    points = dict(changes)
    for minute in range(length + 1):
        current = points.get(minute, current)
        out.append(current)
        if current == "stale":
            current = None
    return out


def steady(length: int, value: Value) -> list[Value]:
    return [value] * (length + 1)


def _promtool(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def check_rules(rules: Path) -> str:
    """``promtool check rules`` of a rule file; its output on success."""
    done = _promtool("check", "rules", str(rules), timeout=60)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr
    return done.stdout


def values(items: Sequence[Value]) -> str:
    """promtool's input notation, one value per evaluation minute, spelled out."""
    return " ".join("_" if v is None else str(v) for v in items)


@dataclass
class Scenario:
    """Input series (one value per minute) and the alert states expected at given minutes."""

    series: dict[str, list[Value]] = field(default_factory=dict)
    checks: list[tuple[int, str, State, str]] = field(default_factory=list)
    step: int = 1
    """Minutes between samples and rule evaluations: a week-long scenario (a weekly job)
    evaluated every 5 minutes costs promtool a fifth of the time, and its checks and every
    change of its series fall on those minutes."""

    def expect(self, minute: int, alert: str, state: State, **labels: str) -> Scenario:
        """``alert`` (those of its alerts with ``labels``) is in ``state`` at ``minute``."""
        assert minute % self.step == 0, f"minute {minute} is not on the {self.step}m grid"
        matchers = "".join(f',{name}="{value}"' for name, value in labels.items())
        self.checks.append((minute, alert, state, matchers))
        return self

    def tests(self) -> Iterator[dict[str, Any]]:
        for minute, alert, state, matchers in self.checks:
            for wanted in ("pending", "firing"):
                expr = f'count(ALERTS{{alertname="{alert}",alertstate="{wanted}"{matchers}}})'
                samples = [{"labels": "{}", "value": 1}] if state == wanted else []
                yield {"expr": expr, "eval_time": f"{minute}m", "exp_samples": samples}


def _checked_rules(rules: Path, alerts: set[str], into: Path) -> Path:
    """``rules`` with only the alerting rules of ``alerts`` (the generated files have no
    recording rules): promtool evaluates every rule at every minute of a scenario, days
    long for daily backups, and a rule the scenario does not check proves nothing there."""
    document = yaml.safe_load(rules.read_text())
    for group in document["groups"]:
        group["rules"] = [r for r in group["rules"] if r.get("alert") in alerts]
    document["groups"] = [g for g in document["groups"] if g["rules"]]
    into.write_text(yaml.safe_dump(document, sort_keys=False))
    return into


def run_promtool_test(rules: Path, scenario: Scenario, tmp_path: Path) -> str:
    """``promtool test rules`` of ``scenario`` against ``rules``; its output on success."""
    checked = {alert for _, alert, _, _ in scenario.checks}
    rules = _checked_rules(rules, checked, tmp_path / "checked-rules.yaml")
    test = {
        "rule_files": [str(rules)],
        "evaluation_interval": f"{scenario.step}m",
        "tests": [
            {
                "interval": f"{scenario.step}m",
                "input_series": [
                    {"series": name, "values": values(v[:: scenario.step])}
                    for name, v in scenario.series.items()
                ],
                "promql_expr_test": list(scenario.tests()),
            }
        ],
    }
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    done = _promtool("test", "rules", str(path), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def crd_tags() -> dict[str, str]:
    """Repository -> the tag its CRDs in ../shared/crds were copied from (PROVENANCE.md)."""
    provenance = crd_dir() / "PROVENANCE.md"
    if not provenance.is_file():
        require_tool(f"the upstream CRDs ({provenance})", False)
    return dict(
        re.findall(
            r"^\| [^|]+ \| [^|]+ \| ([\w.-]+/[\w.-]+) \| [^|]+ \| (v[\d.]+) \|",
            provenance.read_text(),
            re.MULTILINE,
        )
    )
