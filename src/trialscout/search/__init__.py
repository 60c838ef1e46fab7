"""Search over the local store: the way a patient asks ("liver failure stem cells near Guangzhou").

    service = SearchService.open(settings)
    results = service.search(SearchRequest(q="ACLF", near="Guangzhou", within="50km"))

Modules: ``text`` (analysis), ``vocabulary`` (lay words, as data), ``spelling``, ``geo`` (gazetteer),
``query`` (request, filters, understanding), ``documents`` and ``index`` (the tantivy index),
``matching`` (engine queries), ``facets``, ``service`` (the search), ``maintenance`` (build, update,
the derive step), ``evaluate`` (the judged query set).
"""

from .errors import IndexBusy, IndexUnavailable, InvalidQuery, SearchError, UnknownPlace
from .index import SearchIndex
from .maintenance import IndexStatus, catch_up, rebuild, refresh_index, status, update
from .query import SearchRequest, parse_distance
from .results import SearchResults, SiteHit, TrialHit
from .service import SearchService

__all__ = [
    "IndexBusy", "IndexUnavailable", "InvalidQuery", "SearchError", "UnknownPlace", "SearchIndex", "IndexStatus",
    "catch_up", "rebuild", "refresh_index", "status", "update", "SearchRequest", "parse_distance", "SearchResults",
    "SiteHit", "TrialHit", "SearchService",
]
