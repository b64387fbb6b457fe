"""The explicit list of backup tools, and the policy format composed from their slots.

Adding a tool is a package under ``compiler/tools/`` and one line here. The order is the
order in which tools contribute (the copies in ``explain``, the Component's parts).
"""

from __future__ import annotations

from compiler.model.compose import PolicyKinds, compose
from compiler.tools.base import Tool
from compiler.tools.cnpg import Cnpg
from compiler.tools.k8up import K8up
from compiler.tools.litestream import Litestream
from compiler.tools.longhorn import Longhorn
from compiler.tools.velero import Velero
from compiler.tools.volsync import VolSync

TOOLS: tuple[Tool, ...] = (
    Longhorn(),
    K8up(),
    Velero(),
    Litestream(),
    VolSync(),
    Cnpg(),
)


def policy_kinds(tools: tuple[Tool, ...]) -> PolicyKinds:
    """The policy models with every tool's settings."""
    slots = [slot for tool in tools for slot in tool.slots]
    return compose(slots, [tool.method for tool in tools if tool.method is not None])
