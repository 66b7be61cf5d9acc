"""Reads of the knowledge base: keyword search with facets, one entry, and the blueprints a domain
page suggests. The knowledge base is the same for everyone signed in (shared entries were
published with their organisation's consent for every NHS organisation to read).

Search runs on PostgreSQL's full-text search where the portal runs on PostgreSQL, and on a simple
term match on SQLite (the embedded default). Both order results the same way: entries that
contain the whole query as typed come first (title, then summary, then body), in title order;
then the rest by rank; ties by title, then key. So an exact match comes back in the same place
on either database, while looser matches are ranked by each database's own measure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from framework.measures import LEVELS, SUCCESS_MEASURES
from framework.models import Domain, FrameworkVersion, KnowledgeEntry
from organisations.models import CareSetting

# The weights PostgreSQL's ts_rank gives labels A, B and C by default; the fallback uses the same.
WEIGHTS = {"title": 1.0, "summary": 0.4, "body": 0.2}
# The commonest words of PostgreSQL's English stop list: they match nearly every entry, so the
# fallback drops them as PostgreSQL does.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "this",
        "to",
        "was",
        "we",
        "what",
        "with",
    ]
)
SUFFIXES = ("ing", "ed", "es", "s")  # a light stemmer: "backups" finds "backup", "wards" "ward"
MAX_QUERY = 200


def published_entries() -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.filter(status=KnowledgeEntry.Status.PUBLISHED).select_related("organisation")


# Parsing the query for the fallback, in the spirit of websearch_to_tsquery: words must all appear,
# "quoted phrases" appear as typed, -word must not appear, and "or" between words means either.
@dataclass(frozen=True)
class ParsedQuery:
    any_of: list[list[str]]  # groups joined by "or"; each group's terms must all appear
    excluded: list[str]
    phrase: str  # the query as typed, without quotes or operators: what counts as exact

    @property
    def is_empty(self) -> bool:
        return not any(self.any_of)


_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def parse_query(query: str) -> ParsedQuery:
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    shown: list[str] = []
    for negated_phrase, phrase, negated_word, word in _TOKEN.findall(query.lower()[:MAX_QUERY]):
        if phrase or negated_phrase:
            term, negated = " ".join(phrase.split()), bool(negated_phrase)
        else:
            if word == "or":
                if groups[-1]:
                    groups.append([])
                continue
            term, negated = word.strip(".,;:!?()'\""), bool(negated_word)
            if term in STOP_WORDS:
                shown.append(term)
                continue
            term = _stem(term)
        if not term:
            continue
        if negated:
            excluded.append(term)
        else:
            groups[-1].append(term)
            shown.append(phrase or word)
    return ParsedQuery([group for group in groups if group], excluded, " ".join(shown).strip())


def _contains(term: str) -> Q:
    return Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)


def _fallback_search(entries: QuerySet, parsed: ParsedQuery) -> QuerySet:
    """SQLite: every term of a group in the title, summary or body; ranked by where each term
    is found, with PostgreSQL's weights (a term in the title counts five times one in the body)."""
    matches = Q()
    for group in parsed.any_of:
        every = Q()
        for term in group:
            every &= _contains(term)
        matches |= every
    entries = entries.filter(matches)
    for term in parsed.excluded:
        entries = entries.exclude(_contains(term))
    terms = list(dict.fromkeys(term for group in parsed.any_of for term in group))
    rank = Value(0.0, output_field=FloatField())
    for term in terms:
        for column, weight in WEIGHTS.items():
            rank = rank + Case(
                When(**{f"{column}__icontains": term}, then=Value(weight)),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return entries.annotate(rank=rank)


def _postgres_search(entries: QuerySet, query: str) -> QuerySet:
    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    search = SearchQuery(query, search_type="websearch", config="english")
    return entries.annotate(document=vector).filter(document=search).annotate(rank=SearchRank(vector, search))


def _exactness(phrase: str) -> Case:
    """0: the whole query is in the title; 1: in the summary; 2: in the body; 3: not as typed."""
    if not phrase:
        return Value(3, output_field=IntegerField())
    return Case(
        When(title__icontains=phrase, then=Value(0)),
        When(summary__icontains=phrase, then=Value(1)),
        When(body__icontains=phrase, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def knowledge_matches(query: str) -> list[KnowledgeEntry]:
    """Every published entry matching the query, in the order described above (one query)."""
    entries = published_entries().defer("body", "outcome")
    query = query.strip()[:MAX_QUERY]
    parsed = parse_query(query)
    if parsed.is_empty:
        return list(entries.order_by("title", "key"))
    if connection.vendor == "postgresql":
        entries = _postgres_search(entries, query)
    else:
        entries = _fallback_search(entries, parsed)
    entries = entries.annotate(exactness=_exactness(parsed.phrase)).annotate(
        # Exact matches are ordered by title alone, so both databases agree on them.
        ordering_rank=Case(When(exactness__lt=3, then=Value(0.0)), default=Coalesce(F("rank"), 0.0))
    )
    return list(entries.order_by("exactness", "-ordering_rank", "title", "key"))


# Facets
FACETS = ("measure", "domain", "care_setting", "level")


def _keeps(name: str, value: str | int) -> Callable[[KnowledgeEntry], bool]:
    if name == "measure":
        return lambda entry: value in entry.measure_keys
    if name == "domain":
        return lambda entry: value in entry.domain_keys
    if name == "care_setting":
        return lambda entry: value in entry.care_settings
    return lambda entry: entry.level_from <= int(value) < entry.level_to


def _values(name: str, entry: KnowledgeEntry) -> list:
    if name == "measure":
        return entry.measure_keys
    if name == "domain":
        return entry.domain_keys
    if name == "care_setting":
        return entry.care_settings
    return list(range(entry.level_from, entry.level_to))


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class KnowledgeResults:
    query: str
    entries: list[KnowledgeEntry]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.entries)


def current_domain_names() -> dict[str, tuple[str, str]]:
    """The latest framework version's domains: key -> (name, measure key), in framework order."""
    latest = FrameworkVersion.objects.order_by("-version").values("pk")[:1]
    rows = Domain.objects.filter(framework__in=latest).order_by("measure__position", "position")
    return {key: (name, measure) for key, name, measure in rows.values_list("key", "name", "measure__key")}


def knowledge_search(
    query: str,
    *,
    measure: str | None = None,
    domain: str | None = None,
    care_setting: str | None = None,
    level: int | None = None,
    domains: dict[str, tuple[str, str]] | None = None,
) -> KnowledgeResults:
    """Published entries matching `query` and every filter given, with facet counts.

    Each facet counts what the result would hold with that value chosen instead of its own
    current one (the other filters kept), so choosing a value never promises results it cannot
    give and the other values of the same facet stay visible. Two queries: the matching entries,
    and the current framework's domain names (unless `domains` passes them)."""
    filters = {
        name: value
        for name, value in (("measure", measure), ("domain", domain), ("care_setting", care_setting), ("level", level))
        if value not in (None, "")
    }
    matches = knowledge_matches(query)
    keeps = {name: _keeps(name, value) for name, value in filters.items()}

    def passing(*, ignoring: str | None = None) -> list[KnowledgeEntry]:
        return [e for e in matches if all(keep(e) for name, keep in keeps.items() if name != ignoring)]

    names = domains if domains is not None else current_domain_names()
    labels = {
        "measure": dict(SUCCESS_MEASURES),
        "domain": {key: name for key, (name, _) in names.items()},
        "care_setting": dict(CareSetting.choices),
        "level": {number: f"Level {number}" for number in LEVELS},
    }
    orders = {
        "measure": list(SUCCESS_MEASURES),
        "domain": list(names),
        "care_setting": list(CareSetting.values),
        "level": list(LEVELS[:-1]),  # nothing takes you from level 5
    }
    facets = {}
    for name in FACETS:
        counts = Counter(value for entry in passing(ignoring=name) for value in _values(name, entry))
        facets[name] = [
            FacetValue(
                str(value), labels[name].get(value, str(value)), counts[value], str(value) == str(filters.get(name))
            )
            for value in orders[name]
            if counts[value] or str(value) == str(filters.get(name))
        ]
    return KnowledgeResults(
        query=query, entries=passing(), facets=facets, filters={k: str(v) for k, v in filters.items()}
    )


def knowledge_entry(key: str) -> KnowledgeEntry:
    """One published entry (KnowledgeEntry.DoesNotExist for any other, withdrawn ones too)."""
    return published_entries().get(key=key)


def blueprints_for_domain(
    domain_key: str, *, level: int, care_settings: list[str], limit: int = 3
) -> list[KnowledgeEntry]:
    """Up to `limit` entries for the domain that could help an organisation at `level` in it.

    First those that start at or below where the organisation is and take it further
    (level_from <= level < level_to); when there are not enough, any other entry for the domain.
    Only entries for the organisation's care settings (or for none in particular, such as
    system-level work); an organisation with no care settings (an ICB) sees every entry. A
    level 0 counts as level 1: nothing is needed to start. Reviewed entries come before shared
    ones, then the lowest starting level first. One query."""
    candidates = published_entries().defer("body").filter(domain_keys__icontains=f'"{domain_key}"')
    settings = set(care_settings)
    fitting = [
        entry
        for entry in candidates.order_by("title", "key")
        if domain_key in entry.domain_keys
        and (not settings or not entry.care_settings or settings.intersection(entry.care_settings))
    ]
    at = max(level, 1)
    steps = [entry for entry in fitting if entry.level_from <= at < entry.level_to]
    steps.sort(key=lambda entry: (entry.kind == KnowledgeEntry.Kind.SHARED, entry.level_from, entry.title))
    others = [entry for entry in fitting if entry not in steps]
    return (steps + others)[:limit]
