"""Items from Markdown files whose metadata is YAML front matter."""

from __future__ import annotations

from content_store.loaders.fields import read_metadata
from content_store.loaders.model import Found, LoadProblem, make_item
from content_store.loaders.yaml_meta import parse_mapping, split_front_matter


def load_markdown(text: str, rel: str, default_id: str) -> list[Found | LoadProblem]:
    yaml_text, body, yaml_line = split_front_matter(text)
    raw = parse_mapping(yaml_text, what="front matter", first_line=yaml_line)
    meta, errors = read_metadata(
        raw,
        default_id=default_id,
        default_title=None,
        default_type="document",
        location=rel,
    )
    if meta is None:
        return [LoadProblem(rel, reason) for reason in errors]
    return [Found(rel, make_item(meta, body=body.strip(), source=rel))]
