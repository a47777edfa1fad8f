"""Text from people, made storable: what PostgreSQL or UTF-8 cannot hold is dropped."""

from __future__ import annotations

import re

# C0 controls but tab and newlines, DEL, and lone surrogates (JSON's "\ud800" decodes to one).
# PostgreSQL rejects NUL in text, UTF-8 cannot encode a surrogate, and none of them carry
# meaning in a question, a name or a comment.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    return _UNSTORABLE.sub("", text)
