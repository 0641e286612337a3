"""The search algorithm, once for every backend: what a query may match and in which order.

Every decision lives here: which terms a word may match, which near spellings count (by
Damerau distance), the fallbacks (a phrase in any inflection, then partial matches), the
terms for snippets and the "did you mean" suggestion. A backend (:class:`.SearchBackend`)
only translates parts, filters and lookups into its own queries.
"""

from __future__ import annotations

from dataclasses import replace

from .. import language
from . import understanding
from .backend import Filters, Part, SearchBackend, Session, TermField, Word
from .documents import FACET_FIELDS, facet_value
from .query import (
    DATE_SCORE,
    FILL_BELOW,
    SUGGEST_BELOW,
    SearchPage,
    SearchRequest,
    damerau,
    parse_query,
    typo_budget,
    year_of,
)


def search(backend: SearchBackend[Session, Part], req: SearchRequest) -> SearchPage:
    """Run a request as understood (:mod:`.understanding`); when it finds little and was
    typed in the wrong keyboard layout, the query as meant (offered as the suggestion)."""
    page = search_as_typed(backend, req)
    if page.total < SUGGEST_BELOW:
        # Of the layouts that find more, the one whose best hero matches best (a name typed
        # right outranks a near spelling), then the one finding more.
        best: tuple[float, int] | None = None
        for other in understanding.other_layouts(req.q):
            converted = search_as_typed(backend, replace(req, q=other))
            if converted.total <= page.total:
                continue
            key = (converted.hits[0].score if converted.hits else 0.0, converted.total)
            if best is None or key > best:
                best = key
                converted.suggestion = other
                chosen = converted
        if best is not None:
            page = chosen
    return page


def search_as_typed(backend: SearchBackend[Session, Part], req: SearchRequest) -> SearchPage:
    """Run a request: all words must match; when few heroes do, those matching most words
    follow them (all of them when none matches every word: ``partial``)."""
    rewritten = understanding.rewrite(req.q)
    parsed = parse_query(rewritten.text)
    loose = [w for w in parsed.words if not understanding.is_filler(w)]
    if loose or rewritten.dates or parsed.phrases:  # function words alone are looked for
        parsed.words = loose
    filters = filters_of(req)
    terms = [*parsed.words, *(w for p in parsed.phrases for w in p)]
    # The last word is still being typed unless a space or a quote follows it.
    typing = bool(parsed.words) and not parsed.phrases and req.q[-1:].isalnum()
    with backend.reading() as session:
        words: list[Word] = []
        word_parts: list[Part] = []
        for i, typed in enumerate(parsed.words):
            last = typing and i == len(parsed.words) - 1
            word = word_of(backend, session, typed, prefix=last)
            words.append(word)
            word_parts.append(backend.word_part(session, word))
        for hint in rewritten.dates:
            word_parts.append(backend.word_part(session, date_word(hint)))
        parts = word_parts + [backend.phrase_part(session, p, False) for p in parsed.phrases]
        if not parts and filters.empty:
            return SearchPage(total=0, hits=[], terms=terms)
        page = backend.run(session, parts, filters, req, False)
        if page.total == 0 and parsed.phrases:  # the phrase in another inflection
            parts = word_parts + [backend.phrase_part(session, p, True) for p in parsed.phrases]
            page = backend.run(session, parts, filters, req, False)
        if len(parts) > 1 and (page.total == 0 or (page.total < FILL_BELOW and len(parts) > 2)):
            # Those matching every part come first (they match the most parts). Two words
            # are mostly a name: their few strict matches are the answer, and the second
            # run would double the time of the commonest query.
            fuller = backend.run(session, parts, filters, req, True)
            if fuller.total > page.total:
                fuller.partial = page.total == 0
                page = fuller
        near = dict.fromkeys(term for word in words for term, _ in word.near)
        page.terms = terms + [t for t in near if t not in terms]
        if parsed.words and page.total < SUGGEST_BELOW:
            page.suggestion = suggest(backend, session, parsed.words)
    return page


def date_word(hint: understanding.DateHint) -> Word:
    """A typed date as a word: it matches the heroes who died (or were born) that day or
    month, scored by ``DATE_SCORE`` (the other of the two dates half), or that year."""
    dates = tuple(
        (key, DATE_SCORE[precision] * (1.0 if born == hint.born else 0.5))
        for key, born, precision in hint.index_keys()
    )
    return Word(
        typed=f"{hint.year or ''}-{hint.month or ''}-{hint.day or ''}",
        exact="",
        name_terms=(),
        text_terms=(),
        latin_terms=None,
        year=hint.year,
        near_field="exact",
        near=(),
        dates=dates,
    )


def alternatives_of(typed: str) -> tuple[str, ...]:
    """The Ukrainian names a typed word may stand for (:func:`understanding.name_alternatives`)."""
    return understanding.name_alternatives(typed) if language.is_cyrillic(typed) else ()


def filters_of(req: SearchRequest) -> Filters:
    """The filters of a request; facet keys outside ``FACET_FIELDS`` and empty values ignored."""
    return Filters(
        death_year=req.death_year or None,
        birth_year=req.birth_year or None,
        letter=req.letter.casefold() if req.letter else None,
        facets=tuple(
            (key, facet_value(value))
            for key, value in sorted(req.filters.items())
            if key in FACET_FIELDS and value
        ),
    )


def word_of(
    backend: SearchBackend[Session, Part], session: Session, typed: str, prefix: bool = False
) -> Word:
    """Everything one typed word may match, its near spellings in the index included.

    A Russian spelling or an everyday name also matches the Ukrainian names it stands for;
    with ``prefix``, a word of three letters or more also matches names it begins.
    """
    exact = language.exact_term(typed)
    latin: tuple[str, ...] | None = None
    near_field: TermField = "exact"
    near: list[tuple[str, int]] = []
    if exact.isdigit():
        pass  # a number is matched as typed (and as a year): no inflections, no typos
    elif language.is_cyrillic(typed):
        near = near_spellings(backend, session, "exact", exact, typo_budget(exact))
    else:
        # Latin words are compared with the transliterated names, never with Cyrillic ones.
        latin = language.latin_terms(typed)
        near_field = "latin"
        near = [
            n
            for term in latin
            for n in near_spellings(backend, session, "latin", term, typo_budget(term))
        ]
    name_terms = list(language.name_terms(typed))
    for alternative in alternatives_of(typed):
        name_terms += language.name_terms(alternative)
    return Word(
        typed=typed,
        exact=exact,
        name_terms=tuple(dict.fromkeys(name_terms)),
        text_terms=language.text_terms(typed),
        latin_terms=latin,
        year=year_of(exact),
        near_field=near_field,
        near=tuple(near),
        prefix=prefix and is_unfinished(backend, session, exact, latin),
    )


def is_unfinished(
    backend: SearchBackend[Session, Part],
    session: Session,
    exact: str,
    latin: tuple[str, ...] | None,
) -> bool:
    """Whether the last word may be the beginning of a longer name: three letters or more,
    and not a whole name already (a whole given name would otherwise match every
    patronymic made of it, slowly and to no use)."""
    if len(exact) < 3 or exact.isdigit():
        return False
    if latin is not None:
        return bool(latin) and not backend.heroes_with(session, "latin", latin[0])
    return not backend.heroes_with(session, "exact", exact)


def near_spellings(
    backend: SearchBackend[Session, Part],
    session: Session,
    field: TermField,
    term: str,
    budget: int,
) -> list[tuple[str, int]]:
    """Indexed terms of ``field`` within ``budget`` Damerau edits of ``term``, with distance.

    Backends only propose candidates (Whoosh's automaton counts a swap of neighbours as two
    edits, trigrams are looser still); the true Damerau distance decides here. A candidate
    counts only while an indexed hero has it: term dictionaries keep the words of removed
    heroes (Whoosh until segments merge, the trigram vocabulary until a reindex), and an
    unpublished hero's name must not come back as a near spelling or a suggestion.
    """
    if not budget or not term or term.isdigit():
        return []
    out = []
    for candidate in backend.near_terms(session, field, term, budget):
        if candidate != term:
            distance = damerau(term, candidate)
            if distance <= budget and backend.heroes_with(session, field, candidate):
                out.append((candidate, distance))
    return out


def suggest(
    backend: SearchBackend[Session, Part], session: Session, words: list[str]
) -> str | None:
    """The query with each unknown word replaced by the nearest name in the index."""
    out, changed = [], False
    for word in words:
        exact = language.exact_term(word)
        field: TermField = "exact" if language.is_cyrillic(word) else "latin"
        text_term = (language.text_terms(word) or ("",))[0]
        if (
            exact.isdigit()
            or backend.heroes_with(session, field, exact)
            # A Russian spelling or an everyday name of a name in the index is understood.
            or any(
                backend.heroes_with(session, "exact", language.exact_term(a))
                for a in alternatives_of(word)
            )
            or (text_term and backend.heroes_with(session, "text", text_term))
        ):
            out.append(word)
            continue
        # Even a short word gets one edit: a suggestion is only offered, never imposed.
        budget = max(1, typo_budget(exact))
        best: tuple[int, int, str] | None = None
        for term, distance in near_spellings(backend, session, field, exact, budget):
            heroes = backend.heroes_with(session, field, term)
            key = (distance, -heroes, term)  # nearest, then most heroes, then alphabetical
            if heroes and (best is None or key < best):
                best = key
        if best is None:
            out.append(word)
        else:
            changed = True
            out.append(best[2].capitalize() if word[:1].isupper() else best[2])
    return " ".join(out) if changed else None
