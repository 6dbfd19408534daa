"""A short window of an utterance around what matched, with the matched words marked."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from helpline.quality.search.lemmas import Token
from helpline.quality.search.matching import Span, merge

ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    text: str
    #: character spans ``[start, end)`` in ``text``
    highlights: tuple[Span, ...]

    def marked(self, start: str = "[", end: str = "]") -> str:
        out, at = [], 0
        for a, b in self.highlights:
            out += [self.text[at:a], start, self.text[a:b], end]
            at = b
        out.append(self.text[at:])
        return "".join(out)

    def html(self) -> str:
        """HTML-escaped, matched words in ``<mark>``."""
        out, at = [], 0
        for a, b in self.highlights:
            out += [html.escape(self.text[at:a]), "<mark>", html.escape(self.text[a:b]),
                    "</mark>"]
            at = b
        out.append(html.escape(self.text[at:]))
        return "".join(out)


def char_spans(tokens: Sequence[Token], word_spans: Sequence[Span]) -> list[Span]:
    """Word-index spans -> character spans of the written words (merged)."""
    spans = [(tokens[a].start, tokens[b - 1].end) for a, b in word_spans if b <= len(tokens)]
    return merge(spans)


def snippet(text: str, highlights: Sequence[Span], width: int = 160) -> Snippet:
    """``text`` whole when it is at most ``width`` characters; else a window of about
    ``width`` characters starting a little before the first highlight, cut at spaces,
    with ``…`` where it was cut."""
    if len(text) <= width:
        return Snippet(text, tuple(highlights))
    first = highlights[0][0] if highlights else 0
    start = max(0, first - width // 4)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 20 else end
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    inside = tuple((max(a, start) + shift, min(b, end) + shift)
                   for a, b in highlights if b > start and a < end)
    return Snippet(prefix + text[start:end] + suffix, inside)
