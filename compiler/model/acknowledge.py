"""Acknowledgements: a known problem accepted in the policy, for a reason, maybe until a date."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from compiler.model.types import MODEL_CONFIG, Date, Form, Line, NonEmpty

RuleId = Annotated[str, Field(pattern=r"^BP[0-9]{3}$"), Form("a rule ID, e.g. BP315")]


class Acknowledgement(BaseModel):
    """Accept diagnostic ``id`` (for one data item, or all) with a reason; after ``until``
    it is reported again. Acknowledged problems are listed by ``--verbose``."""

    model_config = MODEL_CONFIG

    id: RuleId = Field(
        description="The diagnostic to accept, as printed in brackets by the compiler "
        "(`backup-policy rules` lists them all).",
        examples=["BP315", "BP350"],
    )
    item: NonEmpty | None = Field(
        None,
        description="The data item it is accepted for: pvc/<claim>, the claim, the volume "
        "name or an SQLite path. Absent: accepted for every item of the policy.",
        examples=["pvc/paperless-data", "/data/db.sqlite3"],
    )
    reason: Line = Field(
        description="Why the problem is accepted; shown with the acknowledged problem by "
        "`--verbose` so a reviewer can judge it.",
        examples=["media is re-downloadable; a weekly copy is enough"],
    )
    until: Date | None = Field(
        None,
        description="Last day (YYYY-MM-DD) the acknowledgement holds; from the day after, "
        "the problem is reported again. Absent: accepted until removed.",
        examples=["2026-12-31"],
    )
