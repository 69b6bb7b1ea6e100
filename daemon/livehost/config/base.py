from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config section: unknown keys are mistakes, values are fixed once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
