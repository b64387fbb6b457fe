"""The generated docs: Markdown written from the same model as the manifests.

Three pages in the cluster policy's ``docs.folder`` (under the output root, written and
checked like every generated file):

- ``backups.md``: coverage per layer and per data item (local, separate, offsite copies,
  3-2-1, effective against declared RPO), per service its classification, storage, owner,
  RPO/RTO declared and effective or measured, restore tests and alerts (the section every
  alert's ``runbook_url`` points to), the schedules, the restore-test plan and protocol;
- ``disaster-recovery.md``: the restore order (critical first) and per service the exact
  commands of each tool (the tools' ``runbook`` slot);
- ``alerts.md``: every generated alert rule, its meaning and its runbook link.

The pages are Jinja2 templates (``templates/docs/``), text by nature, worded in ``docs.language``
by one table of strings (:mod:`.strings`). The pages hold no verdict of a day: a test
shows its last pass and the date it is due, and ``check`` (BP323) says on the day whether
it is overdue, so a committed page never goes stale overnight. The build pipeline adds
them to the plan (:func:`with_docs`); ``validate`` never imports this package.
"""

from compiler.plan.docs.render import PAGES, plan_docs, with_docs

__all__ = ["PAGES", "plan_docs", "with_docs"]
