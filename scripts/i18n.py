#!/usr/bin/env python3
"""Maintain the message catalogs in bot/locale with Babel (docs/i18n.md).

  .venv/bin/python scripts/i18n.py extract       # bot/ -> bot/locale/funnelbot.pot (not committed)
  .venv/bin/python scripts/i18n.py update        # extract, then merge into every language's .po
  .venv/bin/python scripts/i18n.py init de       # start a catalog for a new language
  .venv/bin/python scripts/i18n.py check         # exit 1 on a stale, untranslated or broken catalog

English is the source language: `update` copies a new message into the English catalog as its
own translation, so only the other languages have blanks to fill. The .po files are compiled in
memory when the bot starts (bot/i18n.py); `check` compiles them too, to catch errors early.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "bot" / "locale"
TEMPLATE = LOCALE / "funnelbot.pot"
DOMAIN = "funnelbot"
SOURCE_LANGUAGE = "en"
BABEL = ["pybabel", "--quiet"]
# Catalog files keep long lines whole: a diff then shows the sentence that changed.
WIDTH = ["--no-wrap"]


def pybabel(*args: str) -> None:
    # Paths relative to the project root: the catalogs' "#:" locations then read bot/answer.py.
    cwd = Path.cwd()
    try:
        os.chdir(ROOT)
        CommandLineInterface().run([*BABEL, *args])
    finally:
        os.chdir(cwd)


def extract(template: Path = TEMPLATE) -> None:
    pybabel(
        "extract",
        "--mapping-file",
        str(ROOT / "babel.cfg"),
        "--output-file",
        str(template),
        "--project",
        "funnelbot",
        "--sort-by-file",
        "--add-comments",
        "Translators:",
        *WIDTH,
        "bot",
    )


def catalogs() -> list[Path]:
    return sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def update() -> None:
    extract()
    pybabel(
        "update",
        "--input-file",
        str(TEMPLATE),
        "--output-dir",
        str(LOCALE),
        "--domain",
        DOMAIN,
        "--ignore-obsolete",
        "--no-fuzzy-matching",
        "--ignore-pot-creation-date",
        *WIDTH,
    )
    fill_source_language()


def fill_source_language() -> None:
    """English says each message as the code writes it, unless someone edited the English."""
    path = LOCALE / SOURCE_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = message.id
        elif not message.string:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True, ignore_obsolete=True)


def init(language: str) -> None:
    extract()
    pybabel(
        "init",
        "--input-file",
        str(TEMPLATE),
        "--output-dir",
        str(LOCALE),
        "--domain",
        DOMAIN,
        "--locale",
        language,
        *WIDTH,
    )


def check() -> int:
    """Stale (the code says something the catalogs lack), untranslated or fuzzy: exit 1."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "funnelbot.pot"
        extract(template)
        with template.open("rb") as handle:
            wanted = {
                m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle) if m.id
            }
        for path in catalogs():
            language = path.parent.parent.name
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
            problems += [f"{language}: missing {key!r}" for key in wanted if key not in have]
            for message in catalog:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not all(strings) or message.fuzzy:
                    problems.append(f"{language}: untranslated {message.id!r}")
                problems += [f"{language}: {error}" for error in message.check(catalog)]
            pybabel(
                "compile",
                "--input-file",
                str(path),
                "--output-file",
                str(Path(scratch) / f"{language}.mo"),
                "--locale",
                language,
                "--statistics",
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        extract()
    elif argv[:1] == ["update"]:
        update()
    elif argv[:1] == ["init"] and len(argv) == 2:
        init(argv[1])
    elif argv[:1] == ["check"]:
        return check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
