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

    def _tokens(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
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
    """Two neighbouring words as one term when either is a common word (exact forms).

    Position lists of common words make positional phrase matching slow; a pair that holds
    one is a rare term instead (the "common grams" technique). Common are the function
    words plus ``common``: the archive's own frequent words, found when the index is built
    and pickled with it, so updates and queries use the same list. Pairs of two rarer words
    are left to positions, which are cheap for them.
    """

    def __init__(self, common: frozenset[str] = frozenset()) -> None:
        self.common = frozenset(common)

    def is_common(self, word: str) -> bool:
        """Whether pairs with this (exact-form) word are indexed."""
        return word in language.COMMON_WORDS or word in getattr(self, "common", ())

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        """Yield ``"first second"`` for neighbouring words of the text when either is common."""
        text = language.normalize(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        previous, previous_common = None, False
        pos = start_pos
        for match in language.WORD_RE.finditer(text):
            word = language.exact_term(match.group())
            common = self.is_common(word)
            if previous is not None and (previous_common or common):
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
            previous, previous_common = word, common


def frequent_words(texts, share: float = 0.05, limit: int = 3000) -> frozenset[str]:
    """Exact forms found in at least ``share`` of ``texts`` (at most ``limit`` of them)."""
    texts = list(texts)
    counts: dict[str, int] = {}
    for text in texts:
        for word in {language.exact_term(w) for w in language.words(text)}:
            counts[word] = counts.get(word, 0) + 1
    floor = max(3, int(share * len(texts)))
    ranked = sorted((c, w) for w, c in counts.items() if c >= floor)
    return frozenset(w for _, w in ranked[-limit:])
