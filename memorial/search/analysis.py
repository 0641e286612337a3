"""Whoosh analyzers built on :mod:`memorial.language`.

The index pickles its schema with these classes, so they stay module-level here and this
module path must never move.
"""

from __future__ import annotations

from whoosh.analysis import Analyzer, Token

from .. import language


class _Base(Analyzer):
    """Shared tokenisation: words of normalised text with their positions and offsets."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self).__name__)

    def _tokens(self, value, positions=False, chars=False, keeporiginal=False,
                removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        """Yield one token per word, then let ``_variants`` give its indexed forms."""
        text = language.normalize(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in language.WORD_RE.finditer(text):
            word = match.group()
            seen: set[str] = set()
            for variant in self._variants(word):
                if not variant or variant in seen:
                    continue
                seen.add(variant)
                token.text = variant
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = word
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
            pos += 1

    __call__ = _tokens

    def _variants(self, word: str) -> tuple[str, ...]:
        """Indexed forms of one word; each subclass says which."""
        return (word,)


class UkrainianTextAnalyzer(_Base):
    """Running text: every lemma of every word (English words stemmed), no apostrophes."""

    def _variants(self, word):
        return language.text_terms(word)


class ExactAnalyzer(_Base):
    """Folded surface forms, for exact-match boosts and fuzzy name lookups."""

    def _variants(self, word):
        return (language.exact_term(word),)


class NameAnalyzer(_Base):
    """Names: the folded form, every lemma and a crude stem, so declined names meet."""

    def _variants(self, word):
        return language.name_terms(word)


class LatinNameAnalyzer(_Base):
    """Names in Latin letters: the official transliteration of each word and a loose key."""

    def _variants(self, word):
        return language.latin_terms(word)


class WordPairAnalyzer(_Base):
    """Two neighbouring words as one term when either is a function word (exact forms).

    Position lists of function words make positional phrase matching slow; a pair that
    holds one is a rare term instead (the "common grams" technique). Pairs of two content
    words are left to positions, which are cheap for them.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        """Yield ``"first second"`` for every two neighbouring words of the text."""
        text = language.normalize(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        previous = None
        pos = start_pos
        for match in language.WORD_RE.finditer(text):
            word = language.exact_term(match.group())
            if previous is not None and (previous in language.COMMON_WORDS
                                         or word in language.COMMON_WORDS):
                token.text = f"{previous} {word}"
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
                pos += 1
            previous = word
