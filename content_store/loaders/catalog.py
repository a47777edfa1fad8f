"""Link-only items from a catalog.csv file, one per row."""

from __future__ import annotations

import csv
import io

from content_store.loaders.fields import read_metadata
from content_store.loaders.model import Found, LoadProblem, make_item

REQUIRED_COLUMNS = ("id", "title")


def load_catalog(text: str, rel: str) -> list[Found | LoadProblem]:
    """Items and problems from one catalog's text; a bad row never stops the rows after it."""
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
    except csv.Error as exc:
        return [LoadProblem(rel, f"header row is not valid CSV ({exc})")]
    if header is None:
        return [LoadProblem(rel, "catalog is empty; expected a header row starting id,title")]
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        return [LoadProblem(rel, f"missing required column(s) {names} in the header row")]

    out: list[Found | LoadProblem] = []
    number = 0
    while True:
        number += 1
        where = f"{rel}:{number}"
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append(LoadProblem(where, f"row is not valid CSV ({exc})"))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            out.append(
                LoadProblem(
                    where,
                    f"row has {len(cells)} cells but the header has {len(columns)}; "
                    "quote cells that contain commas",
                )
            )
            continue
        raw = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
        meta, errors = read_metadata(
            raw,
            default_id=None,
            default_title=None,
            default_type="link",
            separators=";",
            location=raw.get("url", ""),
        )
        if meta is None:
            out.extend(LoadProblem(where, reason) for reason in errors)
            continue
        body = raw.get("body", "").strip()
        out.append(Found(where, make_item(meta, body=body, source=f"{rel}#{meta.id}")))
    return out
