"""The private links alerts put in e-mails and pages (each carries a token for one purpose)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .models import SavedQuery
from .tokens import make_token

# Token purposes: a token made for one never opens another.
CONFIRM = "confirm"
MANAGE = "manage"
UNSUBSCRIBE = "unsubscribe"  # every subscription of an address (List-Unsubscribe)
STOP = "stop"  # one subscription
INTEREST = "interest"


@dataclass(frozen=True)
class Links:
    public_url: str
    secret: bytes

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")

    def confirm(self, request_key: str) -> str:
        return f"{self.base}/alerts/confirm/{make_token(self.secret, CONFIRM, request_key)}"

    def manage(self, subscriber_key: str) -> str:
        return f"{self.base}/alerts/manage/{make_token(self.secret, MANAGE, subscriber_key)}"

    def unsubscribe(self, subscriber_key: str) -> str:
        return f"{self.base}/alerts/unsubscribe/{make_token(self.secret, UNSUBSCRIBE, subscriber_key)}"

    def stop(self, subscription_key: str) -> str:
        return f"{self.base}/alerts/stop/{make_token(self.secret, STOP, subscription_key)}"

    def interest(self, request_key: str) -> str:
        return f"{self.base}/alerts/interest/{make_token(self.secret, INTEREST, request_key)}"

    def trial(self, nct_id: str) -> str:
        return f"{self.base}/trials/{quote(nct_id)}"

    def trial_feed(self, nct_id: str) -> str:
        return f"{self.base}/trials/{quote(nct_id)}/feed"

    def condition_feed(self, condition: str) -> str:
        return f"{self.base}/feeds/condition/{quote(condition, safe='')}"

    def search_feed(self, query: SavedQuery) -> str:
        return f"{self.base}/feeds/search?{search_params(query)}"


def search_params(query: SavedQuery) -> str:
    """The query string of a saved search (the same parameter names as the search page)."""
    pairs = [("q", query.q)] if query.q else []
    pairs += [(name, value) for name, values in query.filters for value in values]
    return urlencode(pairs)
