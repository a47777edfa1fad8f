"""Making untrusted text safe and short for Slack's mrkdwn and plain_text fields."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so `<!channel>` pings nobody."""
    text = _CONTROL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def link(url: str | None, label: str) -> str:
    """A mrkdwn link to an http(s) URL, or just the escaped label when the URL is unusable."""
    safe_label = escape(label).replace("|", "¦")
    if not url:
        return f"*{safe_label}*"
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed IPv6 bracket: not a link, and no reason to fail the answer
        return f"*{safe_label}*"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"*{safe_label}*"
    # `|` and `>` would end the link early; percent-encode them (and spaces) instead.
    safe_url = quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%-._~").replace("&", "&amp;")
    return f"<{safe_url}|{safe_label}>"


def strip_mentions(text: str) -> str:
    """A mention's text without the `<@U…>` of the bot (or anyone) at its start."""
    return re.sub(r"<@[A-Z0-9]+(?:\|[^>]*)?>", " ", text).strip()


def mention(user_id: str) -> str:
    """A user id as Slack's mention, escaped: <@U123>."""
    return f"<@{escape(user_id)}>"
