"""Result models built from values the engine made itself, without validating them a second time.

``evaluate`` makes tens of thousands of result models per 1,000 trials; pydantic's validation of values
our own code has just built (every field given, each already of its declared type) is most of their cost,
and ``model_construct`` is slower still. ``trusted(cls, values)`` gives the object ``cls(**values)`` gives
(the same fields, field set, JSON and equality; tested in ``tests/eligibility``) without that work. Use it
only for values of the right types: nothing is checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[M], values: dict[str, Any], given: Iterable[str] | None = None) -> M:
    """``cls(**values)`` without validation. ``values`` must name every field, in field order, defaults
    included; ``given`` names the fields the equivalent call passes (all of ``values`` when ``None``)."""
    obj = object.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values if given is None else given))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
