"""Turn HTML fragments (news bodies, descriptions) into plain text.

Why: newsapi and scraped news files carry markup (``<p>``, ``<a>``, ``&amp;``, ``<script>``) that
would pollute embeddings and prompts. Standard-library ``html.parser`` is enough: it tolerates
broken markup, and we keep only text, with block elements turned into line breaks.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "blockquote", "pre", "hr",
}
_DROP = {"script", "style", "noscript", "template", "iframe", "svg", "head"}
_TAG_HINT = re.compile(r"<[A-Za-z!/][^>]*>|&[#A-Za-z0-9]+;")
# A comment cut open by newsapi's truncation ("<!-- wp:paragraph … [+1552 chars]") runs to the end.
_OPEN_COMMENT = re.compile(r"<!--(?:(?!-->).)*\Z", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANKS = re.compile(r"\s*\n\s*")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str | None) -> str | None:
    """Plain text of an HTML fragment; ``None`` stays ``None``, whitespace is normalised.

    Text without any tag or entity is only whitespace-normalised, so plain text round-trips.
    """
    if text is None:
        return None
    if _TAG_HINT.search(text):
        text = _OPEN_COMMENT.sub("", text)
        parser = _TextExtractor()
        try:
            parser.feed(text)
            parser.close()
            text = "".join(parser.parts)
        except Exception:  # pragma: no cover - html.parser is lenient; belt and braces
            text = unescape(re.sub(r"<[^>]+>", " ", text))
    text = _SPACES.sub(" ", text)
    text = _BLANKS.sub("\n", text)
    return text.strip()
