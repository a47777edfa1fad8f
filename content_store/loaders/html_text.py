"""Visible text and a default title from an HTML page (stdlib parser only)."""

from __future__ import annotations

from html.parser import HTMLParser

# Content a reader never sees; <head> is hidden too, apart from <title>.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})
# Tags that start a new paragraph, so words from neighbouring blocks don't run together.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
        "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._hidden: dict[str, int] = {}
        self._title: list[str] | None = None
        self._h1: list[str] | None = None
        self.title = ""
        self.h1 = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or tag in _BLOCKS:
            # Authors often omit </head>; the body must not stay hidden because of it.
            self._hidden.pop("head", None)
        if tag in _HIDDEN:
            self._hidden[tag] = self._hidden.get(tag, 0) + 1
        elif tag == "title" and not self.title:
            self._title = []
        elif tag == "h1" and not self.h1:
            self._h1 = []
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden.get(tag):
            self._hidden[tag] -= 1
            if not self._hidden[tag]:
                del self._hidden[tag]
        elif tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split())
            self._title = None
        elif tag == "h1" and self._h1 is not None:
            self.h1 = " ".join("".join(self._h1).split())
            self._h1 = None
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        # <title> sits in the hidden <head>, but a <script> or <style> inside it is still code.
        if self._hidden.keys() - {"head"}:
            return
        if self._title is not None:
            self._title.append(data)
            return
        if self._hidden:
            return
        if self._h1 is not None:
            self._h1.append(data)
        self._current.append(data)

    def _break(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []

    def finish(self) -> None:
        self.close()
        self._break()


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return (visible text with paragraphs separated by blank lines, default title or None)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.finish()
    title = parser.title or parser.h1 or None
    return "\n\n".join(parser.paragraphs), title[:200] if title else None
