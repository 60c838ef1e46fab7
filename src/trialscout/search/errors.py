"""Errors search can raise. Each says what went wrong and what to do about it."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every search error."""


class InvalidQuery(SearchError, ValueError):
    """A search parameter cannot be used as given; ``parameter`` names it (for a 422)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class UnknownPlace(InvalidQuery):
    """A place name the gazetteer does not know; ``suggestions`` are close names it does know."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        hint = f" Did you mean {_or_list(suggestions)}?" if suggestions else \
            " Try a nearby city, add the country (\"Paris, France\"), or give coordinates (\"23.13, 113.26\")."
        super().__init__("near", f"We do not know a place called {text[:80]!r}.{hint}")
        self.text = text
        self.suggestions = suggestions


class IndexBusy(SearchError):
    """Another process holds the search index's writer lock."""

    def __init__(self, path: str, waited: float) -> None:
        super().__init__(
            f"The search index at {path} is being written by another trialscout process (waited {waited:.0f} s). "
            "Try again when that sync or rebuild has finished."
        )


class IndexUnavailable(SearchError):
    """The search index cannot be opened or built; the message says what to run."""


def _or_list(items: list[str]) -> str:
    quoted = [f"\"{i}\"" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
