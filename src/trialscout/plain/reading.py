"""Read a :class:`Trial` into the few facts the plain-language writer needs.

Pure functions of the record and the language data: which conditions to name and how,
which treatments are tested and which are for comparison, how they are given, who takes
part, what the study mainly measures. Nothing here writes a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..trial import AgeLimit, Intervention, Trial
from .glossary import Entry
from .grounding import unit_key
from .resources import Resources
from .simplify import drop_brackets
from .text import normalize, word_count

_CODE_LIKE = re.compile(r"^(?=.*\d)(?=.*[^\W\d_])[\w\-+./]+$")
_DOSE_TAIL = re.compile(r"(?:,\s+|\s+)\d[\d.,]*\s*(?:%|[^\W\d_][\w/^.]*)(?:\s.*)?$")
_DRUG_LIKE = {"DRUG", "BIOLOGICAL", "GENETIC", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT"}
_TIME_UNITS = {"day", "week", "month", "year", "hour"}


@dataclass(frozen=True)
class Treatment:
    name: str  # short display name: "Lantus Solostar"
    full: str  # with its other name: "bone marrow mesenchymal stem cells (CG-BM1)"
    type: str | None
    role: str  # tested | placebo | sham | control
    entry: Entry | None = None  # glossary entry for the substance, if any

    @property
    def drug_like(self) -> bool:
        return self.type in _DRUG_LIKE


@dataclass
class Reading:
    trial: Trial
    conditions: list[str] = field(default_factory=list)
    condition_entry: Entry | None = None
    condition_term: str | None = None
    tested: list[Treatment] = field(default_factory=list)
    comparators: list[Treatment] = field(default_factory=list)
    all_treatments: list[Treatment] = field(default_factory=list)
    comparator_kind: str | None = None  # placebo | sham | none
    routes: list[Entry] = field(default_factory=list)
    observational: bool = False
    people: str = "people"
    ages: str | None = None
    phase_key: str | None = None
    measures: list[str] = field(default_factory=list)
    measure_time: str | None = None


def read_trial(trial: Trial, res: Resources) -> Reading:
    r = Reading(trial=trial)
    r.observational = trial.study_type in {"OBSERVATIONAL"}
    r.conditions = _conditions(trial, res)
    if r.conditions:
        for condition in r.conditions:
            entry = res.glossary.lookup(condition)
            if entry is not None and "condition" in entry.kinds and entry.explain:
                r.condition_entry, r.condition_term = entry, condition
                break
    if not r.conditions:
        r.conditions = _from_title(trial, res, "condition")[:1]
    r.all_treatments = [_treatment(i, trial, res) for i in trial.interventions[:50]]
    if not r.all_treatments:
        r.all_treatments = [Treatment(name=n, full=n, type=None, role="tested", entry=res.glossary.lookup(n))
                            for n in _from_title(trial, res, "substance")[:1]]
    r.tested = [t for t in r.all_treatments if t.role == "tested"]
    r.comparators = [t for t in r.all_treatments if t.role != "tested"]
    r.comparator_kind = _comparator_kind(trial, r.comparators)
    r.routes = _routes(trial, res)
    r.people, r.ages = _people(trial, res, bool(r.conditions))
    phases = [p for p in trial.phases if p != "NA"]
    r.phase_key = "_".join(phases) if phases else None
    r.measures, r.measure_time = _measures(trial, res)
    return r


# --- conditions ----------------------------------------------------------------------


def display_condition(text: str, res: Resources) -> str:
    """The registrant's words, read as a phrase: "Diabetes Mellitus, Type 2" → "type 2 diabetes mellitus"."""
    text = normalize(text).strip(" .;")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 2 and word_count(parts[1]) <= 3 and word_count(text) <= 6 and parts[1]:
        text = f"{parts[1]} {parts[0]}"
    words = text.split()
    titled = sum(1 for w in words if w[:1].isupper()) >= max(1, len(words) - 1)
    if not titled:
        return text
    keep = res.templates.word_set("reading.keep_case")
    out = []
    for w in words:
        bare = w.strip("()[],;")
        if bare.lower() in keep or (bare.isupper() and len(bare) > 1) or any(c.isdigit() for c in bare):
            out.append(w)
        elif "-" in w:
            out.append("-".join(p if (p.isupper() and len(p) > 1) or p.lower() in keep else p.lower()
                                for p in w.split("-")))
        else:
            out.append(w.lower())
    return " ".join(out)


def _conditions(trial: Trial, res: Resources) -> list[str]:
    skip = res.templates.word_set("reading.non_conditions")
    picked: list[str] = []
    seen_words: set[str] = set()
    for raw in trial.conditions:
        text = display_condition(raw, res)
        if not text or text.lower() in skip or word_count(text) > 10:
            continue
        words = {w.lower() for w in re.findall(r"\w+", text)}
        if words & seen_words and (words <= seen_words or seen_words <= words or len(words & seen_words) > 1):
            continue
        picked.append(text)
        seen_words |= words
        if len(picked) == 2:
            break
    return picked


def _from_title(trial: Trial, res: Resources, kind: str) -> list[str]:
    """Terms of ``kind`` the title names, when the record has no structured field for them."""
    title = trial.brief_title or trial.official_title
    if not title:
        return []
    return [m.text if m.text.isupper() else m.text.lower() for m in res.glossary.find(normalize(title), kinds=(kind,))]


# --- treatments ----------------------------------------------------------------------


def clean_name(name: str) -> str:
    """A treatment name without its dose or form: "Lantus Solostar, 100 Units/mL …" → "Lantus Solostar"."""
    text = normalize(name).replace("_", " ")
    short = _DOSE_TAIL.sub("", text).strip(" ,;:-")
    short = drop_brackets(short).strip(" ,;:-")
    return short if short and word_count(short) >= 1 else normalize(text)


def is_code(name: str) -> bool:
    return bool(_CODE_LIKE.match(name)) and " " not in name


def _treatment(item: Intervention, trial: Trial, res: Resources) -> Treatment:
    name = clean_name(item.name)
    other = next((normalize(o) for o in item.other_names if 0 < word_count(o) <= 7), None)
    if other and other.lower() != name.lower():
        full = f"{other} ({name})" if is_code(name) and not is_code(other) else f"{name} ({other})"
    else:
        full = name
    entry = None
    for text in (item.name, *item.other_names):
        found = res.glossary.find(text, kinds=("substance", "treatment", "procedure"))
        if found:
            entry = found[0].entry
            break
    return Treatment(name=name, full=full, type=item.type, role=_role(item, trial), entry=entry)


def _role(item: Intervention, trial: Trial) -> str:
    names = " ".join([item.name, *item.other_names]).lower()
    if "placebo" in names:
        return "placebo"
    if re.search(r"\bsham\b", names):
        return "sham"
    arm_types = set()
    key = f"{item.type or ''}: {item.name}".lower()
    for arm in trial.arms:
        linked = arm.label in item.arm_labels or any(
            x.lower() == key or x.lower().endswith(f": {item.name.lower()}") or x.lower() == item.name.lower()
            for x in arm.interventions)
        if linked and arm.type:
            arm_types.add(arm.type)
    if not arm_types or arm_types & {"EXPERIMENTAL", "OTHER"}:
        return "tested"
    if arm_types == {"PLACEBO_COMPARATOR"}:
        return "placebo"
    if arm_types == {"SHAM_COMPARATOR"}:
        return "sham"
    return "control"


def _comparator_kind(trial: Trial, comparators: list[Treatment]) -> str | None:
    arm_types = {a.type for a in trial.arms}
    roles = {c.role for c in comparators}
    if "placebo" in roles or "PLACEBO_COMPARATOR" in arm_types:
        return "placebo"
    if "sham" in roles or "SHAM_COMPARATOR" in arm_types:
        return "sham"
    if "NO_INTERVENTION" in arm_types:
        return "none"
    return None


def _routes(trial: Trial, res: Resources) -> list[Entry]:
    texts = []
    for i in trial.interventions[:10]:
        texts += [i.name, (i.description or "")[:600], *i.other_names[:3]]
    for a in trial.arms[:10]:
        texts += [a.label, (a.description or "")[:600]]
    routes: list[Entry] = []
    for text in texts:
        if not text:
            continue
        for m in res.glossary.find(text, kinds=("route",)):
            if all(m.entry.plain != r.plain for r in routes):
                routes.append(m.entry)
    broad = res.templates.word_set("reading.broad_routes")
    specific = [r for r in routes if r.term.lower() not in broad]
    return (specific or routes)[:2]


# --- people ------------------------------------------------------------------------------


def age_text(age: AgeLimit) -> str:
    return str(age)


def _people(trial: Trial, res: Resources, has_condition: bool) -> tuple[str, str | None]:
    w = res.templates
    e = trial.eligibility
    low = e.minimum_age.years if e.minimum_age else 0.0
    high = e.maximum_age.years if e.maximum_age else None
    adults = low >= 18
    children = high is not None and high < 18
    if e.healthy_volunteers and not has_condition:
        base = w("words.healthy")
    elif e.sex == "FEMALE":
        base = w("words.girls") if children else w("words.women")
    elif e.sex == "MALE":
        base = w("words.boys") if children else w("words.men")
    elif low >= 65:
        base = w("words.older_adults")
    elif adults:
        base = w("words.adults")
    elif children:
        base = w("words.children")
    else:
        base = w("words.people")
    ages = None
    if e.minimum_age and e.maximum_age:
        lo, hi = e.minimum_age, e.maximum_age
        low_text = _number(lo.value) if lo.unit == hi.unit else str(lo)
        ages = w("words.ages_range", min=low_text, max=str(hi))
    elif e.minimum_age:
        ages = w("words.ages_min", min=str(e.minimum_age))
    elif e.maximum_age:
        ages = w("words.ages_max", max=str(e.maximum_age))
    return base, ages


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# --- measures --------------------------------------------------------------------------


def _measures(trial: Trial, res: Resources) -> tuple[list[str], str | None]:
    primary = [o for o in trial.outcomes if o.kind == "primary"][:4] or trial.outcomes[:2]
    found: list[str] = []
    for outcome in primary:
        for m in res.glossary.find(outcome.measure[:500], kinds=("measure",)):
            if m.entry.plain not in found:
                found.append(m.entry.plain)
    if not found and primary:
        text = drop_brackets(normalize(primary[0].measure)).split(":")[0].split(";")[0].strip(" .")
        text = res.glossary.replace(text)
        if 1 <= word_count(text) <= 8 and not any(c.isdigit() for c in text):
            found.append(text[:1].lower() + text[1:] if not text[:2].isupper() else text)
    time = None
    if primary and primary[0].time_frame:
        frame = normalize(primary[0].time_frame).strip(" .")
        m = res.lexicon.quantity.fullmatch(frame)
        if m and unit_key(m.group(2)) in _TIME_UNITS:
            time = frame
    return found[:2], time
