"""Acknowledgements: a known problem accepted in the policy, for a reason, maybe until a date."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from compiler.model.types import MODEL_CONFIG, Date, NonEmpty

RuleId = Annotated[str, Field(pattern=r"^BP[0-9]{3}$", description="a rule ID, e.g. BP315")]


class Acknowledgement(BaseModel):
    """Accept diagnostic ``id`` (for one data item, or all) with a reason; after ``until``
    it is reported again. Acknowledged problems are listed by ``--verbose``."""

    model_config = MODEL_CONFIG

    id: RuleId
    item: Annotated[
        NonEmpty | None,
        Field(description="a data item: pvc/<claim>, the claim, the volume name or a DB path"),
    ] = None
    reason: NonEmpty
    until: Date | None = None
