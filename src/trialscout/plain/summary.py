"""The headline and the 3–5 sentence summary, from templates over the read record.

Each summary sentence comes with plainer variants (shorter names, glossary words instead
of the registrant's); :func:`fit_grade` steps the hardest sentence to its next variant
until the whole summary reads at the target grade or nothing plainer is left.
"""

from __future__ import annotations

from collections.abc import Callable

from ..trial import Trial
from .labels import label
from .reading import Reading, is_code
from .resources import Resources
from .simplify import simplify_sentence
from .dosing import dose_texts, read_dose
from .text import capitalize_first, ensure_period, join_words, normalize, split_sentences, word_count

MAX_HEADLINE_WORDS = 12
MIN_SENTENCES, MAX_SENTENCES = 3, 5

Variants = list[str]


# --- headline --------------------------------------------------------------------------


def headline(r: Reading, res: Resources) -> str:
    t = res.templates
    condition = r.conditions[0] if r.conditions else None
    conditions = [condition] if condition else []
    if r.condition_entry is not None and r.condition_term == condition:
        conditions.append(r.condition_entry.plain)
    candidates: list[str] = []
    if r.observational:
        candidates += [t("headline.observational", condition=c) for c in conditions]
    elif r.tested or r.all_treatments:
        names = _headline_treatments(r, res)
        key = r.trial.design.primary_purpose or "default"
        key = f"headline.{key}" if t.has(f"headline.{key}") else "headline.default"
        for name in names:
            candidates += [t(key, treatment=name, condition=c) for c in conditions]
        candidates += [t("headline.no_condition", treatment=n) for n in names]
    if condition:
        candidates += [t("headline.condition_only", condition=c) for c in conditions]
    title = r.trial.brief_title or r.trial.official_title
    if title:
        candidates.append(t("headline.title", title=normalize(title)))
    candidates.append(t("headline.nothing"))
    for text in candidates:
        if len(text.split()) <= MAX_HEADLINE_WORDS:
            return capitalize_first(text.strip())
    return capitalize_first(candidates[-1])


def _headline_treatments(r: Reading, res: Resources) -> list[str]:
    tested = r.tested or r.all_treatments
    first = tested[0]
    names: list[str] = []
    if first.entry is not None and first.name != first.entry.plain and is_code(first.name):
        names.append(f"{first.entry.plain} ({first.name})")
    if len(tested) == 2 and word_count(tested[0].name) + word_count(tested[1].name) <= 5:
        names.append(join_words([tested[0].name, tested[1].name], res.templates("words.and")))
    if word_count(first.name) <= 5:
        names.append(first.name)
    if first.entry is not None:
        names.append(first.entry.plain)
    kind = first.type or "OTHER"
    names.append(res.templates(f"kind_noun.{kind}"))
    return [n for n in names if n]


# --- summary ---------------------------------------------------------------------------


def summary_variants(r: Reading, res: Resources) -> list[Variants]:
    """Each summary sentence as a list of variants, richest first; empty sentences left out."""
    builders: list[Callable[[Reading, Resources], Variants]] = [
        _what, _explain, _size, _phase, _given, _dose, _measures]
    built = [(b, b(r, res)) for b in builders]
    built = [(b, s) for b, s in built if s]
    for spare in (_explain, _phase):  # dropped first when there are too many sentences
        if len(built) > MAX_SENTENCES:
            built = [(b, s) for b, s in built if b is not spare]
    sentences = [s for _, s in built][:MAX_SENTENCES]
    if len(sentences) < MIN_SENTENCES:
        for extra in _fillers(r, res):
            if any(extra in s for s in sentences):
                continue
            sentences.append([extra])
            if len(sentences) >= MIN_SENTENCES:
                break
    return sentences


def _fillers(r: Reading, res: Resources) -> list[str]:
    """Sentences for thin records: the registry's own summary made plainer, the title, the status."""
    out = _from_registry_summary(r.trial, res)
    title = r.trial.brief_title or r.trial.official_title
    if title and word_count(title) <= 25 and not _what(r, res)[0].startswith(res.templates("summary.title", title="")[:12]):
        out.append(res.templates("summary.title", title=normalize(title).rstrip(" .")))
    status = label("status", r.trial.overall_status)
    if status is not None and status.explain:
        out.append(status.explain)
    return out


def _treatment_phrases(r: Reading, res: Resources) -> list[str]:
    t = res.templates
    tested = r.tested or [x for x in r.all_treatments if x.role == "tested"]
    if not tested:
        return []
    if len(tested) == 1:
        one = tested[0]
        out = []
        if one.type:
            out.append(f"{one.full}, {t(f'kind.{one.type}')},")
        out += [one.full, one.name]
        if one.entry is not None:
            out.append(one.entry.plain)
        return _unique(out)
    names = _unique([x.name for x in tested])
    if len(tested) <= 3 and len(names) > 1:
        out = [join_words(names, t("words.and"))]
    else:
        out = [t("words.several", first=join_words(names[:2], t("words.and")))]
    plain = _unique([x.entry.plain for x in tested if x.entry is not None])
    if plain and len(plain) <= 3 and len(plain) == len(names):
        out.append(join_words(plain, t("words.and")))
    return out


def _condition_phrases(r: Reading, res: Resources) -> list[str]:
    if not r.conditions:
        return []
    out = [join_words(r.conditions, res.templates("words.and")), r.conditions[0]]
    if r.condition_entry is not None and r.condition_term == r.conditions[0]:
        out.append(r.condition_entry.plain)
    return _unique(out)


def _what(r: Reading, res: Resources) -> Variants:
    t = res.templates
    conditions = _condition_phrases(r, res)
    people = r.people
    if r.observational:
        if conditions:
            return [t("summary.observes", people=people, condition=c) for c in conditions]
        return [t("summary.observes_no_condition", people=people)]
    treatments = _treatment_phrases(r, res)
    if treatments:
        comparator = {"placebo": "summary.comparator_placebo", "sham": "summary.comparator_sham",
                      "none": "summary.comparator_none"}.get(r.comparator_kind or "")
        out: Variants = []
        for name in treatments:
            for c in conditions or [None]:
                if comparator:
                    key = "summary.compares" if c else "summary.compares_no_condition"
                    out.append(t(key, treatment=name, comparator=t(comparator), people=people, condition=c))
                key = "summary.tests" if c else "summary.tests_no_condition"
                out.append(t(key, treatment=name, people=people, condition=c))
        return _unique(out)
    if conditions:
        return [t("summary.looks_at", people=people, condition=c) for c in conditions]
    title = r.trial.brief_title or r.trial.official_title
    if title and word_count(title) <= 25:
        plain_title = res.glossary.replace(normalize(title)).rstrip(" .")
        return _unique([t("summary.title", title=normalize(title).rstrip(" .")), t("summary.title", title=plain_title)])
    return [t("summary.nothing")]


def _explain(r: Reading, res: Resources) -> Variants:
    entry = r.condition_entry
    if entry is None or not entry.explain:
        return []
    term = capitalize_first(entry.term if entry.term.lower() in (r.condition_term or "").lower() else r.condition_term or entry.term)
    return [res.templates("summary.explain", term=term, explain=entry.explain)]


def _size(r: Reading, res: Resources) -> Variants:
    t = res.templates
    e = r.trial.enrollment
    if e is None or e.count is None:
        return []
    if e.count == 0:
        return [t("summary.size_none")] if e.type == "ACTUAL" else []
    noun = r.people if e.count != 1 else t("words.person")
    count = f"{e.count:,}" if e.count >= 10_000 else str(e.count)
    key = "summary.size_estimated" if e.type == "ESTIMATED" else "summary.size_actual" if e.type == "ACTUAL" else "summary.size"
    out = []
    if r.ages and e.count != 1:
        out.append(t(key, count=count, people=f"{noun} {r.ages}"))
    out.append(t(key, count=count, people=noun))
    return [capitalize_first(x) for x in out]


def _phase(r: Reading, res: Resources) -> Variants:
    if r.observational or not r.phase_key or not res.templates.has(f"phase.{r.phase_key}"):
        return []
    return [res.templates(f"phase.{r.phase_key}")]


def _given(r: Reading, res: Resources) -> Variants:
    t = res.templates
    if r.observational:
        return []
    if r.routes:
        plain = [x.plain for x in r.routes]
        return _unique([t("summary.given", routes=join_words(plain, t("words.or"))),
                        t("summary.given", routes=plain[0])])
    tested = r.tested or r.all_treatments
    if tested and tested[0].type and t.has(f"delivery.{tested[0].type}"):
        return [t(f"delivery.{tested[0].type}")]
    return []


def _dose(r: Reading, res: Resources) -> Variants:
    """"Each dose is 1×10^8 cells; 2 doses are given 24 weeks apart." (nothing when unsure)"""
    if r.observational:
        return []
    texts = dose_texts(r.trial, [x.name for x in r.tested], res.lang)
    dose = read_dose(texts, res.lang) if texts else None
    if dose is None:
        return []
    t = res.templates
    parts = []
    if dose.amount:
        parts.append(t("dose.amount", amount=dose.amount))
    schedule = None
    if dose.count and dose.interval:
        parts.append(t("dose.count_apart", count=dose.count, interval=dose.interval))
    elif dose.count:
        parts.append(t("dose.count", count=dose.count))
    elif dose.interval and dose.amount:
        parts.append(t("dose.apart", interval=dose.interval))
    if dose.every:
        schedule = t("dose.every", every=dose.every)
    elif dose.frequency:
        schedule = t("dose.frequency", frequency=dose.frequency)
    if schedule and dose.duration and not dose.count:
        schedule = t("dose.duration", schedule=schedule, duration=dose.duration)
    if schedule:
        parts.append(schedule)
    if not parts:
        return []
    return [ensure_period(capitalize_first(t.raw("dose.joiner").join(parts)))]


def _measures(r: Reading, res: Resources) -> Variants:
    t = res.templates
    if not r.measures:
        return []
    out = []
    both = join_words(r.measures, t("words.and"))
    if r.measure_time:
        out.append(t("summary.measures_time", measure=both, time=r.measure_time))
    out.append(t("summary.measures", measure=both))
    out.append(t("summary.measures", measure=r.measures[0]))
    return _unique(out)


def _from_registry_summary(trial: Trial, res: Resources) -> list[str]:
    """Plain sentences taken from the registry's own summary, for records with little else."""
    text = trial.brief_summary or ""
    out = []
    for sentence in split_sentences(normalize(text))[:6]:
        plain = simplify_sentence(sentence, res)
        if plain:
            out.append(plain)
    return out


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if x and not (x in seen or seen.add(x))]


def fit_grade(sentences: list[Variants], grade: Callable[[list[str]], float],
              target: float) -> tuple[list[str], float]:
    """Pick one variant per sentence, stepping the hardest to plainer ones until ``target`` is met."""
    choice = [0] * len(sentences)

    def chosen() -> list[str]:
        return [s[i] for s, i in zip(sentences, choice)]

    current = grade(chosen())
    while current > target:
        options = [(grade([s[i]]), n) for n, (s, i) in enumerate(zip(sentences, choice)) if i + 1 < len(s)]
        if not options:
            break
        _, n = max(options)
        choice[n] += 1
        current = grade(chosen())
    return chosen(), current

