"""The optional LLM writer: an OpenAI-compatible chat endpoint proposes the free-text sections.

Configured by ``settings.llm_url`` (the API base, e.g. ``http://127.0.0.1:8080/v1``, or the
full ``…/chat/completions`` address), ``settings.llm_model`` and ``settings.llm_api_key``.
It only proposes: :func:`trialscout.plain.explain.explain_trial` keeps a section only if it
passes the grounding and readability checks, and uses the template text otherwise, also
when the endpoint is down, slow or answers nonsense. After ``max_failures`` failures in a
row the writer stops calling the endpoint for the rest of the run.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from ..config import Settings
from ..trial import Trial
from .errors import WriterReplyInvalid, WriterUnavailable
from .labels import label
from .models import Draft
from .templates import Templates, load_templates

DEFAULT_TIMEOUT = 30.0
MAX_SUMMARY_CHARS = 1500
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


class LLMWriter:
    """Proposes headline, summary and "what this could mean" text from the record."""

    name = "llm"

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 templates: Templates | None = None, max_failures: int = 3,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/") if url.rstrip("/").endswith("/chat/completions") else url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.templates = templates or load_templates()
        self.max_failures = max_failures
        self.failures = 0
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> "LLMWriter | None":
        if not settings.llm_url:
            return None
        return cls(settings.llm_url, settings.llm_model or "default", settings.llm_api_key, **options)

    def close(self) -> None:
        self._client.close()

    def propose(self, trial: Trial, draft: Draft) -> dict[str, Any]:
        if self.failures >= self.max_failures:
            raise WriterUnavailable(f"not called: the endpoint failed {self.failures} times in a row")
        try:
            reply = self._ask(trial, draft)
        except WriterUnavailable:
            self.failures += 1
            raise
        self.failures = 0
        return reply

    def _ask(self, trial: Trial, draft: Draft) -> dict[str, Any]:
        t = self.templates
        messages = [
            {"role": "system", "content": t.raw("llm.system")},
            {"role": "user", "content": t("llm.user", record=json.dumps(record_for_prompt(trial), ensure_ascii=False),
                                          draft=json.dumps(draft_for_prompt(draft), ensure_ascii=False))},
        ]
        body = {"model": self.model, "messages": messages, "temperature": 0,
                "response_format": {"type": "json_object"}}
        try:
            response = self._client.post(self.url, json=body)
        except httpx.TimeoutException:
            raise WriterUnavailable(f"no answer from {self.url} within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise WriterUnavailable(f"cannot reach {self.url}: {exc}") from None
        if response.status_code >= 400:
            raise WriterUnavailable(f"{self.url} answered HTTP {response.status_code}")
        return parse_reply(response)


def parse_reply(response: httpx.Response) -> dict[str, Any]:
    """The JSON object in an OpenAI-style chat completion, or :class:`WriterReplyInvalid`."""
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise WriterReplyInvalid("the reply is not an OpenAI-style chat completion") from None
    if not isinstance(content, str):
        raise WriterReplyInvalid("the reply has no text content")
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise WriterReplyInvalid("the reply holds no JSON object")
    try:
        value = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        raise WriterReplyInvalid("the reply's JSON does not parse") from None
    if not isinstance(value, dict):
        raise WriterReplyInvalid("the reply's JSON is not an object")
    return value


def record_for_prompt(trial: Trial) -> dict[str, Any]:
    """The record's facts the writer may use (the same fields the grounding check reads)."""
    t = trial
    e = t.eligibility
    summary = t.brief_summary or ""
    return {
        "title": t.brief_title,
        "official_title": t.official_title,
        "status": label("status", t.overall_status).label if t.overall_status else None,
        "why_stopped": t.why_stopped,
        "phases": [label("phase", p).label for p in t.phases],
        "study_type": t.study_type,
        "primary_purpose": t.design.primary_purpose,
        "allocation": t.design.allocation,
        "masking": t.design.masking,
        "conditions": t.conditions[:10],
        "interventions": [{"type": i.type, "name": i.name, "other_names": i.other_names[:3],
                           "description": (i.description or "")[:400]} for i in t.interventions[:10]],
        "arms": [{"label": a.label, "type": a.type, "description": (a.description or "")[:300]} for a in t.arms[:10]],
        "enrollment": {"count": t.enrollment.count, "type": t.enrollment.type} if t.enrollment else None,
        "ages": {"minimum": str(e.minimum_age) if e.minimum_age else None,
                 "maximum": str(e.maximum_age) if e.maximum_age else None},
        "sex": e.sex,
        "healthy_volunteers": e.healthy_volunteers,
        "primary_outcomes": [{"measure": o.measure, "time_frame": o.time_frame}
                             for o in t.outcomes if o.kind == "primary"][:3],
        "brief_summary": summary[:MAX_SUMMARY_CHARS],
    }


def draft_for_prompt(draft: Draft) -> dict[str, Any]:
    return {"headline": draft.headline, "summary": draft.summary, "could_lead_to": draft.could_lead_to,
            "could_go_wrong": draft.could_go_wrong}
