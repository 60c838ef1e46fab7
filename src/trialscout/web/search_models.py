"""The JSON of ``GET /api/v1/trials``, as a pydantic model so the OpenAPI schema documents it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FacetCount(BaseModel):
    value: str = Field(description="The value to filter by (pass it back as the parameter of the same name).")
    label: str = Field(description="Words for the value.")
    count: int = Field(description="Trials with this value (an estimate, rounded, when `facets_estimated`).")
    selected: bool


class Facets(BaseModel):
    status: list[FacetCount] = Field(description="Counts per status, regardless of the status filter.")
    phase: list[FacetCount]
    country: list[FacetCount]
    condition: list[FacetCount]


class SearchResponse(BaseModel):
    """One page of trials found, the total and the counts that narrow the search."""

    model_config = ConfigDict(extra="allow")

    total: int = Field(description="Trials found (always exact).")
    facets_estimated: bool = Field(description="True when so many trials match that the facet counts were counted "
                                               "in a sample of the registry, scaled up and rounded to two "
                                               "significant digits (\"about 38,000\").")
    page: int
    per_page: int
    pages: int
    trials: list[dict[str, Any]] = Field(description="The page of trials, best first; each with the site that "
                                                     "suits the search best (the nearest that fits the filters).")
    facets: Facets
    place: dict[str, Any] | None = None
    within: dict[str, Any] | None = None
    countries: list[str]
    understood: dict[str, Any] = Field(description="How the words were read: concepts, corrections, ignored words.")
    notes: list[str]
    relaxed: bool = Field(description="No trial matched all the words; these match some of them.")
    elapsed_ms: float
