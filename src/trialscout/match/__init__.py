"""Find trials for me: a person's profile in, ranked trials out, each explained.

    person = read_fhir(bundle)            # or read_form({...}), read_note(text), read_any(file bytes)
    results = MatchService.open(settings, store, search).match(MatchRequest(person))
    for m in results.matches: m.verdict, m.explanation.summary, m.explanation.questions

Modules: ``intake`` (the three inputs, the place), ``retrieve`` (searches per condition, near the person,
optionally by meaning), ``fusion`` (reciprocal rank fusion), ``semantic`` (the optional embedding
index), ``criteria`` (stored parses), ``rank``, ``explain``, ``service``, ``evaluation`` (the judged
SIGIR and TREC 2021 patients).
"""

from .errors import IndexNotReady, MatchError, NothingToMatch, SemanticUnavailable, UnreadableProfile
from .fusion import reciprocal_rank_fusion
from .intake import read_any, read_fhir, read_form, read_input, read_json, read_note, with_place
from .models import (
    ConditionMatch, CriterionNote, Explanation, MatchRequest, MatchResults, PersonInput, SiteDistance, TrialMatch,
)
from .service import MatchService

__all__ = [
    "IndexNotReady", "MatchError", "NothingToMatch", "SemanticUnavailable", "UnreadableProfile",
    "reciprocal_rank_fusion", "read_any", "read_fhir", "read_form", "read_input", "read_json", "read_note",
    "with_place", "ConditionMatch", "CriterionNote", "Explanation", "MatchRequest", "MatchResults", "PersonInput",
    "SiteDistance", "TrialMatch", "MatchService",
]
