"""The public site's search: each app declares what of its own can be found, and how to show it.

Apps point at jinhai and communities, never the other way: an app registers its kinds here in its
AppConfig.ready(), the way it registers its community-page links with `communities.sections`,
and the search page runs whatever is registered. A kind's queryset applies the same filter as
the public page it links to (only current leaders, only active organizations, only the fund
years the fund pages show), so the search never shows what the site does not.

Each kind costs one query whatever the data size: its first rows and, through a window
COUNT(*) OVER (), how many match in all.
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import Length
from django.utils.text import smart_split

from .fields import PinyinSorted
from .sorting import stored_sort_key

MAX_LENGTH = 50  # longer than any name worth typing; the form says so too (maxlength)
MAX_TERMS = 5
PER_KIND = 20


@dataclass(frozen=True)
class Hit:
    """One result as the page shows it: plain strings, so no template can reach a phone."""

    name: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    title: str  # the group's heading: 社区, 小区, 楼组长与街面长 …
    order: int  # the group's place on the page
    # The rows the public may see that match every term (a named QuerySet method per model).
    matching: Callable[[tuple[str, ...]], QuerySet]
    field: str  # the searched column, for ranking exact and prefix matches first
    hit: Callable[[object], Hit]
    person: bool = False  # names of people: sorted by their surname's reading


_kinds: dict[str, Kind] = {}


def register_kind(*kinds: Kind) -> None:
    for kind in kinds:
        _kinds[kind.key] = kind


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: k.order)


@dataclass(frozen=True)
class Query:
    text: str = ""
    terms: tuple[str, ...] = ()
    error: str = ""

    @property
    def runnable(self) -> bool:
        return bool(self.terms) and not self.error


def parse(raw) -> Query:
    """What was typed, cleaned: full-width letters and digits made plain (ＡＢＣ１ -> ABC1),
    control and invisible characters dropped (a NUL would be refused by PostgreSQL), spaces
    collapsed; split into at most MAX_TERMS terms that must all match."""
    kept = []
    for c in unicodedata.normalize("NFKC", raw or ""):
        if c.isspace():
            kept.append(" ")
        elif unicodedata.category(c)[0] != "C":  # control, format, surrogate, private, unassigned
            kept.append(c)
    text = " ".join("".join(kept).split())
    if not text:
        return Query(error="请输入要查找的名称,如社区、小区、楼组长姓名或社会组织名称。")
    if len(text) > MAX_LENGTH:
        return Query(
            text=text[:MAX_LENGTH],
            error=f"关键词太长了:最多 {MAX_LENGTH} 个字,请缩短后再查找。",
        )
    terms = tuple(dict.fromkeys(text.split()))
    if len(terms) > MAX_TERMS:
        return Query(text=text, error=f"关键词最多 {MAX_TERMS} 个,请减少用空格分开的词。")
    return Query(text=text, terms=terms)


def capped(raw: str) -> tuple[str, bool]:
    """An admin search (`?q=`) within the same limits, and whether it had to be cut.

    The admin does not refuse a long search, it searches for the first MAX_TERMS words of the
    first MAX_LENGTH characters (and says so): a thousand words would otherwise be a thousand
    LIKE clauses on every searched column, tens of seconds on the ledger.
    """
    text = raw[:MAX_LENGTH]
    words = list(dict.fromkeys(smart_split(text)))
    return " ".join(words[:MAX_TERMS]), len(raw) > MAX_LENGTH or len(words) > MAX_TERMS


@dataclass
class Group:
    kind: Kind
    total: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.total > len(self.hits)


def run(query: Query, *, limit: int = PER_KIND) -> list[Group]:
    """The kinds with at least one match, in their order; each with its first `limit` rows by
    relevance (the whole name, then names starting with the first term, then the rest; shorter
    names first), shown in pinyin order within each of those three tiers."""
    groups = []
    for kind in kinds():
        rows = list(ranked(kind, query)[:limit])
        if not rows:
            continue
        hits = []
        for row in rows:
            hit = kind.hit(row)
            hits.append(((row.search_rank, _pinyin_key(row, kind, hit), hit.name), hit))
        hits.sort(key=lambda pair: pair[0])
        groups.append(Group(kind=kind, total=rows[0].search_total, hits=[h for _, h in hits]))
    return groups


def _pinyin_key(row, kind: Kind, hit: Hit) -> str:
    """The hit's name's pinyin key: the one stored on the row where its model keeps one for the
    searched column (jinhai.fields.PinyinSorted; through a relation, as `volunteer__name`),
    which costs nothing, else worked out now (pypinyin: most of the search's Python time)."""
    *path, column = kind.field.split("__")
    owner = row
    for step in path:
        owner = getattr(owner, step, None)
    if isinstance(owner, PinyinSorted) and owner.sort_key_source == column and owner.sort_key:
        return owner.sort_key
    return stored_sort_key(hit.name, person=kind.person)


def ranked(kind: Kind, query: Query) -> QuerySet:
    """The kind's matching rows, best first, each with `search_rank` and `search_total`."""
    rank = Case(
        When(Q(**{f"{kind.field}__iexact": query.text}), then=Value(0)),
        When(Q(**{f"{kind.field}__istartswith": query.terms[0]}), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        kind.matching(query.terms)
        .annotate(search_rank=rank, search_total=Window(Count("*")))
        .order_by("search_rank", Length(kind.field), kind.field, "pk")
    )
