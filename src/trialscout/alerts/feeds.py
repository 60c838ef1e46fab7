"""Atom feeds (RFC 4287) for a trial's changes and for new trials of a condition or a saved search.

Built with the stdlib's ElementTree, so every text is escaped; characters XML 1.0 forbids are
dropped. Ids are ``tag:`` URIs (RFC 4151) that never change for the same trial or version.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

import sqlalchemy as sa

from ..plain.labels import label
from ..store import TrialStore
from ..store.schema import trials as trials_table
from ..plain.changes import change_words
from .changes import MEANINGFUL, phrase, site_places
from .links import Links
from .mail import trial_name
from .matching import TrialMatcher
from .models import Kind, SavedQuery
from .subscriptions import describe_search

ATOM = "http://www.w3.org/2005/Atom"
TAG_DATE = "2026"
RECENT_CANDIDATES = 1000
MAX_ENTRIES = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: datetime
    self_link: str
    page_link: str
    entries: list[Entry] = field(default_factory=list)


def _text(value: str) -> str:
    return _NOT_XML.sub("", value or "")


def _when(value: datetime) -> str:
    value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def tag(links: Links, path: str) -> str:
    host = urlsplit(links.base).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{path}"


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 XML."""
    root = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: _text(v) for k, v in attrs.items()})
        if text is not None:
            child.text = _text(text)
        return child

    add(root, "id", feed.id)
    add(root, "title", feed.title, type="text")
    add(root, "subtitle", feed.subtitle, type="text")
    add(root, "updated", _when(feed.updated))
    add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    add(root, "link", rel="alternate", type="text/html", href=feed.page_link)
    author = add(root, "author")
    add(author, "name", "trialscout")
    add(root, "generator", "trialscout")
    for entry in feed.entries:
        node = add(root, "entry")
        add(node, "id", entry.id)
        add(node, "title", entry.title, type="text")
        add(node, "updated", _when(entry.updated))
        add(node, "link", rel="alternate", type="text/html", href=entry.link)
        add(node, "summary", entry.summary, type="text")
    ET.register_namespace("", ATOM)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def trial_feed(store: TrialStore, links: Links, nct_id: str) -> Feed | None:
    """Every recorded version of the trial, newest first; ``None`` for an unknown trial."""
    stored = store.get(nct_id)
    if stored is None:
        return None
    places = site_places([stored.trial])
    entries = []
    for version in reversed(store.history(nct_id)):
        date = version.recorded_at.date().isoformat()
        if version.version == 1:
            title, lines = "First seen by trialscout", [f"trialscout first saw this trial on {date}."]
        else:
            lines = [phrase(c, date, places) if c.get("field") in MEANINGFUL else change_words(c)
                     for c in version.changes] or ["The record changed in details the trial page does not show."]
            title = lines[0] if len(lines) == 1 else f"{lines[0]} (and {len(lines) - 1} more changes)"
        entries.append(Entry(tag(links, f"trial/{nct_id}/v{version.version}"), title, version.recorded_at,
                             f"{links.trial(nct_id)}#history", "\n".join(lines)))
    return Feed(id=tag(links, f"trial/{nct_id}"), title=f"Changes to {trial_name(stored.trial.title, nct_id, 300)}",
                subtitle="What changed in this trial's registry record, as trialscout recorded it.",
                updated=stored.last_changed, self_link=links.trial_feed(nct_id), page_link=links.trial(nct_id),
                entries=entries[:MAX_ENTRIES])


def new_trials_feed(store: TrialStore, matcher: TrialMatcher, links: Links, kind: Kind, query: SavedQuery) -> Feed:
    """The newest trials (by when trialscout first saw them) that the condition or search finds."""
    with store.engine.connect() as conn:
        recent = conn.execute(sa.select(trials_table.c.nct_id, trials_table.c.first_seen)
                              .order_by(trials_table.c.first_seen.desc(), trials_table.c.nct_id)
                              .limit(RECENT_CANDIDATES)).all()
    found = matcher.match(kind, query, [r.nct_id for r in recent])
    chosen = [r.nct_id for r in recent if r.nct_id in found][:MAX_ENTRIES]
    entries = []
    for stored in sorted(store.iter_trials(chosen), key=lambda s: (s.first_seen, s.trial.nct_id), reverse=True):
        t = stored.trial
        status = label("status", t.overall_status)
        summary = "; ".join(p for p in (
            f"Status: {status.label}" if status else None,
            f"Conditions: {', '.join(t.conditions)}" if t.conditions else None,
            f"First seen by trialscout on {stored.first_seen.date().isoformat()}",
        ) if p)
        entries.append(Entry(tag(links, f"trial/{t.nct_id}"), trial_name(t.title, t.nct_id, 300), stored.first_seen,
                             links.trial(t.nct_id), summary))
    if kind is Kind.CONDITION:
        title, self_link = f"New trials for {query.q}", links.condition_feed(query.q)
    else:
        title, self_link = f"New trials matching {describe_search(query)}", links.search_feed(query)
    # With no entry, the feed last changed when the newest trial it looked at arrived.
    updated = entries[0].updated if entries else recent[0].first_seen if recent else datetime(2026, 1, 1)
    key = f"condition/{quote(query.q.lower(), safe='')}" if kind is Kind.CONDITION else \
        f"search?{self_link.partition('?')[2]}"
    return Feed(id=tag(links, key), title=title,
                subtitle="Trials trialscout has newly seen, newest first.", updated=updated, self_link=self_link,
                page_link=links.base + "/", entries=entries)
