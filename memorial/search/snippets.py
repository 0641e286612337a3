"""Snippets: a short passage of a hero's text around the matched words, marked up safely.

A snippet is taken from one field (the biography, the circumstances, the awards, one story),
the one where the query's words stand closest together, and it begins and ends at sentence
boundaries where they are near: never a run of several fields joined mid-quote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .. import language
from ..interviews import public_interviews, transcript_text
from ..records import PublicHero


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
        # The first two letters of a text word, lower-cased only, that can fold onto one of
        # those prefixes (г may be typed ґ, an apostrophe may follow the first letter):
        # most words are turned away by this one lookup, before any folding.
        self.starts: set[str] = set()
        for p in self.prefixes:
            spellings = ["гґ" if ch == "г" else ch for ch in p]
            self.starts.update("".join(c) for c in itertools.product(*spellings))
            self.starts.update(c + "'" for c in spellings[0])

    def __call__(self, word: str) -> bool:
        start = word[:2].lower()
        if start not in self.starts and (len(start) > 1 or start not in self.forms):
            return False
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


def make_snippet(text: str, terms: list[str], width: int = 32, sentences: bool = False) -> Markup:
    """About ``width`` words of ``text`` around the densest cluster of matches, ``<mark>``ed.

    With ``sentences``, the passage starts at the beginning of a sentence (when one begins a
    few words before the matches) and stops at the end of one (when one ends within the
    last third of the window). The source text is escaped; ``<mark>`` is the only markup
    added.
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
    first = max(0, _densest(hits, width)[0] - width // 4) if hits else 0
    last = min(len(spans), first + width)
    if sentences:
        first, last = _to_sentences(text, spans, first, last, hits, width)
    start = spans[first][0]
    end = spans[last - 1][1]
    # The punctuation that closes the last word shown stays with it: a quote, a full stop.
    while end < len(text) and not text[end].isspace() and not text[end].isalnum():
        end += 1
    out = [Markup("… ") if first > 0 else Markup("")]
    cursor = start
    for i in hits:  # the text between marks is escaped in one piece
        if first <= i < last:
            a, b = spans[i]
            out.append(escape(text[cursor:a]))
            out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
            cursor = b
    out.append(escape(text[cursor:end]))
    if last < len(spans):
        out.append(Markup(" …"))
    return Markup("").join(out)


#: Where a sentence ends: a full stop, ! ? or … followed by a space, or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…»\"])\s+|\n+")


@dataclass(frozen=True)
class Passage:
    """One field of a hero's text: what it is (a key the page names) and the text."""

    key: str
    text: str
    #: A title the field carries of its own (a story's title), shown with its name.
    title: str = ""


def passages(hero) -> list[Passage]:
    """The hero's running text as separate fields, in the order a reader meets them (what
    the public may see, without the stories marked sensitive)."""
    hero = PublicHero(getattr(hero, "hero", hero), for_preview=True)
    out = [
        Passage("biography", hero.biography or ""),
        Passage("death_circumstances", hero.death_circumstances or ""),
        Passage("service", ". ".join(p for p in (hero.rank, hero.position) if p)),
        Passage("awards", "; ".join(a.name for a in hero.awards)),
    ]
    out += [Passage("story", s.body or "", s.title or "") for s in hero.stories]
    out += [
        Passage("interview", transcript_text(i), i.title or "") for i in public_interviews(hero)
    ]
    return [p for p in out if p.text.strip()]


def best_passage(
    fields: Sequence[Passage], terms: list[str], width: int = 32
) -> tuple[Passage | None, Markup]:
    """The field where the query matches best and its snippet (the first field when nothing
    matches): most matches within ``width`` words, then the earlier field."""
    forms = query_forms(terms)
    matches = _Matcher(forms)
    best: tuple[int, int] | None = None
    for index, field in enumerate(fields):
        text = language.normalize(field.text)
        spans = [(m.start(), m.end()) for m in language.WORD_RE.finditer(text)]
        hits = [i for i, (a, b) in enumerate(spans) if forms and matches(text[a:b])]
        score = _densest(hits, width)[1]
        if score and (best is None or score > best[1]):
            best = (index, score)
    if not fields:
        return None, Markup("")
    chosen = fields[best[0]] if best else fields[0]
    return chosen, make_snippet(chosen.text, terms, width, sentences=True)


def _densest(hits: list[int], width: int) -> tuple[int, int]:
    """The first word of the window of ``width`` words holding most hits, and how many."""
    best, best_count, j = (hits[0] if hits else 0), 0, 0
    for k, h in enumerate(hits):  # sliding window over sorted hit positions
        while hits[j] < h - width:
            j += 1
        if k - j + 1 > best_count:
            best, best_count = hits[j], k - j + 1
    return best, best_count


def _to_sentences(
    text: str, spans: list[tuple[int, int]], first: int, last: int, hits: list[int], width: int
) -> tuple[int, int]:
    """Move a window of words to sentence boundaries where they are close by."""
    starts = _sentence_starts(text)
    word_at = {a: i for i, (a, _b) in enumerate(spans)}
    begins = sorted(word_at[s] for s in starts if s in word_at)
    anchor = min((h for h in hits if h >= first), default=first)
    # The sentence holding the first match shown, if it begins a few words before it.
    opening = max((b for b in begins if b <= anchor), default=0)
    if anchor - opening <= width // 2:
        first = opening
    last = min(len(spans), first + width)
    # End where a sentence ends in the last third of the window.
    ends = [b for b in begins if first + (2 * width) // 3 <= b <= last]
    if ends:
        last = ends[-1]
    return first, last


def _sentence_starts(text: str) -> list[int]:
    """Character offsets where the sentences of ``text`` begin."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
