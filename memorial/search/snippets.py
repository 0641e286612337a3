"""Snippets: a short passage of a hero's text around the matched words, marked up safely."""

from __future__ import annotations

from markupsafe import Markup, escape

from .. import language


def query_forms(terms: list[str]) -> set[str]:
    """Index terms of the query words (exact, lemmas, stems), to recognise any inflection."""
    forms: set[str] = set()
    for term in terms:
        forms.add(language.exact_term(term))
        forms.update(language.name_terms(term))
        forms.update(language.text_terms(term))
    return forms


class _Matcher:
    """Tells whether a word of the text is one of the query's words in any form."""

    def __init__(self, forms: set[str]) -> None:
        self.forms = forms
        # A form and the word it came from share their first letters (almost always), so
        # the dictionary is consulted only for words that start like some query form.
        self.prefixes = {f[:2] for f in forms}

    def __call__(self, word: str) -> bool:
        # The text is normalised already: lower case and the two foldings are enough here.
        key = word.lower().replace("ґ", "г").replace("'", "")
        if key in self.forms:
            return True
        if key[:2] not in self.prefixes:
            return False
        return (
            any(t in self.forms for t in language.text_terms(word))
            or language.crude_stem(key) in self.forms
        )


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
    matches = _Matcher(forms)
    hits = [i for i, (a, b) in enumerate(spans) if forms and matches(text[a:b])]
    if hits:
        best, best_count, j = hits[0], 0, 0
        for k, h in enumerate(hits):  # sliding window over sorted hit positions
            while hits[j] < h - width:
                j += 1
            count = k - j + 1
            if count > best_count:
                best, best_count = hits[j], count
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
