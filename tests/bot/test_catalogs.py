"""The message catalogs say everything the code says, in every language, with the same
placeholders: the messages are extracted from the source with Babel's API (as
scripts/i18n.py does) and compared with each catalog in bot/locale."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import languages, translator

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "bot" / "locale"
# A printf placeholder as Python's %-formatting reads it: %(name)s, %s, %r, %.2f; %% is a "%".
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?([a-zA-Z%])")

Key = tuple[str | None, str]  # (context, msgid)


def source_messages() -> dict[Key, str | tuple[str, ...]]:
    """What the code marks for translation, read with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[Key, str | tuple[str, ...]] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT / "bot", method_map, options_map
    ):
        singular = message if isinstance(message, str) else message[0]
        found[(context, singular)] = message
    return found


def load_catalog(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "funnelbot.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[tuple[str, str]]:
    return {(name, kind) for name, kind in _PLACEHOLDER.findall(text) if kind != "%"}


def catalog_problems(catalog: Catalog, wanted: dict[Key, str | tuple[str, ...]]) -> list[str]:
    """Each message the code says that the catalog lacks, leaves untranslated (or fuzzy), or
    translates with other placeholders; and each entry the code no longer says."""
    problems: list[str] = []
    entries: dict[Key, object] = {}
    for entry in catalog:
        if entry.id:
            singular = entry.id if isinstance(entry.id, str) else entry.id[0]
            entries[(entry.context, singular)] = entry
    for key, message in wanted.items():
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing: {key}")
            continue
        ids = message if isinstance(message, tuple) else (message,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)  # type: ignore[attr-defined]
        if entry.fuzzy or not all(strings):  # type: ignore[attr-defined]
            problems.append(f"untranslated: {key}")
            continue
        expected = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            found = placeholders(string)
            if found != expected:
                problems.append(
                    f"placeholders differ: {key}: {sorted(expected)} vs {sorted(found)}"
                )
        # Babel's own checks too (python-format types, the number of plural forms).
        problems += [f"{key}: {error}" for error in entry.check(catalog)]  # type: ignore[attr-defined]
    problems += [f"no longer in the code: {key}" for key in entries if key not in wanted]
    return problems


@pytest.fixture(scope="module")
def wanted() -> dict[Key, str | tuple[str, ...]]:
    return source_messages()


def test_the_catalogs_are_english_and_dutch() -> None:
    assert languages() == ("en", "nl")


def test_the_code_marks_its_words_for_the_catalogs(wanted: dict) -> None:
    # A sample across the layers, so an extraction that quietly finds nothing fails here.
    assert {
        (None, "Sent it"),
        (None, "probably %(stage)s (inferred from “%(cue)s”, %(sure)s sure)"),
        (None, "covers %(competitors)s"),
        ("stage", "decision"),
        (None, "the question is empty: ask about a prospect, a topic or a stage"),
        (None, ":raising_hand: *Request #%(id)s* from %(rep)s"),
    } <= set(wanted)
    assert wanted[(None, "%(count)s asset")] == ("%(count)s asset", "%(count)s assets")
    assert len(wanted) > 200


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_message_is_translated_with_the_same_placeholders(
    language: str, wanted: dict
) -> None:
    assert catalog_problems(load_catalog(language), wanted) == []


def test_the_check_fails_on_a_missing_an_untranslated_and_a_mismatched_message(
    wanted: dict,
) -> None:
    catalog = copy.deepcopy(load_catalog("nl"))
    catalog.delete("Sent it")
    catalog["Skip"].string = ""
    catalog["Content for: %(question)s"].string = "Content voor: %(vraag)s"
    catalog["Stage"].flags.add("fuzzy")

    problems = catalog_problems(catalog, wanted)

    assert "missing: (None, 'Sent it')" in problems
    assert "untranslated: (None, 'Skip')" in problems
    assert "untranslated: (None, 'Stage')" in problems
    assert any(p.startswith("placeholders differ: (None, 'Content for:") for p in problems)
    assert len(problems) >= 4


def test_the_check_fails_on_a_message_the_code_says_that_no_catalog_has(wanted: dict) -> None:
    more = {**wanted, (None, "A sentence added to the code"): "A sentence added to the code"}
    assert catalog_problems(load_catalog("en"), more) == [
        "missing: (None, 'A sentence added to the code')"
    ]


def test_the_compiled_catalogs_translate(wanted: dict) -> None:
    nl, en = translator("nl"), translator("en")
    assert nl.gettext("Sent it") == "Verstuurd"
    assert nl.pgettext("stage", "decision") == "beslissing"
    assert nl.ngettext("%(count)s question", "%(count)s questions", 1, count=1) == "1 vraag"
    assert nl.ngettext("%(count)s question", "%(count)s questions", 3, count=3) == "3 vragen"
    # English says every message as the code writes it (an edited English line would show here).
    assert [en.gettext(i) for c, i in wanted if c is None and not _plural(wanted[(c, i)])] == [
        i for c, i in wanted if c is None and not _plural(wanted[(c, i)])
    ]


def _plural(message: str | tuple[str, ...]) -> bool:
    return isinstance(message, tuple)
