"""Snippets: a short passage of a hero's text around the matched words, marked up safely."""

from __future__ import annotations

from markupsafe import Markup, escape

from .. import language


def query_forms(terms: list[str]) -> set[str]:
    """Folded forms and lemmas of the query words, to recognise them in any inflection."""
    forms: set[str] = set()
    for term in terms:
        folded = language.fold(term)
        forms.add(folded)
        forms.update(language.lemmas(folded))
    return forms


def _matches(word: str, forms: set[str]) -> bool:
    folded = language.fold(word)
    return folded in forms or any(lemma in forms for lemma in language.lemmas(folded))


def make_snippet(text: str, terms: list[str], width: int = 32) -> Markup:
    """About ``width`` words of ``text`` around the densest cluster of matches, ``<mark>``ed.

    The source text is escaped; ``<mark>`` is the only markup added.
    """
    text = language.normalize(text or "")
    if not text:
        return Markup("")
    spans = [(m.start(), m.end()) for m in language.WORD_RE.finditer(text)]
    if not spans:
        return Markup("")
    forms = query_forms(terms)
    hits = [i for i, (a, b) in enumerate(spans) if forms and _matches(text[a:b], forms)]
    if hits:
        best, best_count = hits[0], 0
        for h in hits:
            count = sum(1 for x in hits if h <= x < h + width)
            if count > best_count:
                best, best_count = h, count
        first = max(0, best - width // 4)
    else:
        first = 0
    last = min(len(spans), first + width)
    start = spans[first][0]
    end = spans[last - 1][1]
    hit_set = set(hits)
    out = [Markup("… ") if first > 0 else Markup("")]
    cursor = start
    for i in range(first, last):
        a, b = spans[i]
        out.append(escape(text[cursor:a]))
        if i in hit_set:
            out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        else:
            out.append(escape(text[a:b]))
        cursor = b
    out.append(escape(text[cursor:end]))
    if last < len(spans):
        out.append(Markup(" …"))
    return Markup("").join(out)
