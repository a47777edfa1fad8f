"""The bot's own words in the reader's language: gettext catalogs maintained with Babel.

Code marks what it says with ``_()`` (``_ = t.gettext`` for a ``Translator`` t) and ``N_()``
where a message is said later (a constant, an error, a stored phrase). The catalogs are
``bot/locale/<language>/LC_MESSAGES/funnelbot.po``; ``scripts/i18n.py`` extracts, updates and
checks them (docs/i18n.md). A ``.po`` file is compiled in memory with Babel's API the first time
its language is needed, so no binary ``.mo`` is committed, built at install or able to go stale.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources

from content_store.errors import InputError
from content_store.stage import Stage

log = logging.getLogger(__name__)

DOMAIN = "funnelbot"
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is translated later, not here."""
    return message


@cache
def languages() -> tuple[str, ...]:
    """The languages with a catalog, e.g. ("en", "nl"): a new .po file adds one."""
    root = resources.files("bot") / "locale"
    found = [
        entry.name for entry in root.iterdir() if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    ]
    return tuple(sorted(found))


def language_of_locale(locale: str | None) -> str | None:
    """The catalog language a locale names ("nl-NL", "nl_BE.UTF-8", "nl"); None for one we
    have no catalog for, and for "C"/"POSIX". A colon list (gettext's LANGUAGE) is tried in
    order."""
    for part in (locale or "").split(":"):
        code = re.split(r"[-_.@]", part.strip(), maxsplit=1)[0].lower()
        if code in languages():
            return code
    return None


def terminal_language(environ: Mapping[str, str]) -> str | None:
    """The language a terminal asks for, read as gettext reads it: LANGUAGE, LC_ALL,
    LC_MESSAGES, then LANG (the first one set decides)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            found = language_of_locale(value)
            if found is not None or name != "LANGUAGE":
                return found
    return None


def environment_language(environ: Mapping[str, str]) -> str:
    """The language to speak before (or without) settings: the terminal's, else
    FUNNELBOT_LANGUAGE when it names a catalog, else English. Read from the environment alone,
    so a settings error can be said in it too."""
    return (
        terminal_language(environ)
        or language_of_locale(environ.get("FUNNELBOT_LANGUAGE"))
        or DEFAULT_LANGUAGE
    )


@dataclass(frozen=True)
class Phrase:
    """Words said later, in the reader's language: a catalog message (marked with ``N_``) and
    its values. ``str()`` gives the English."""

    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return translator(DEFAULT_LANGUAGE).say(self)


class LocalizedError(InputError, ValueError):
    """An error a person reads: its message is a catalog entry (marked with ``N_``).

    ``str()`` is the English; ``Translator.error`` says it in the reader's language. A
    ``Phrase`` made earlier (a problem also shown elsewhere) may stand for message and values.
    """

    def __init__(self, message: str | Phrase, /, **values: object) -> None:
        self.phrase = message if isinstance(message, Phrase) else Phrase(message, values)
        super().__init__(str(self.phrase))


class Translator:
    """One language's catalog, and the language's way of writing numbers and stages."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    def gettext(self, message: str, /, **values: object) -> str:
        """The message in this language, its %(name)s placeholders filled from ``values``."""
        text = self._catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text % values if values else text

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        text = self._catalog.pgettext(context, message)
        return text % values if values else text

    def say(self, phrase: Phrase | str) -> str:
        """A ``Phrase`` in this language; a plain string (data, a name) as it is. In a phrase's
        values, a nested phrase is said too and a ``Stage`` as its phrase ("decision stage")."""
        if isinstance(phrase, Stage):
            return self.stage_phrase(phrase)
        if isinstance(phrase, str):
            return phrase
        values = {
            k: self.say(v) if isinstance(v, Phrase | Stage) else v for k, v in phrase.values.items()
        }
        return self.gettext(phrase.message, **values)

    def error(self, error: BaseException) -> str:
        """An error's message in this language; an error without a catalog message as it is."""
        if isinstance(error, LocalizedError):
            return self.say(error.phrase)
        return str(error)

    def number(self, n: float, pattern: str | None = None) -> str:
        """1,234 in English, 1.234 in Dutch; `pattern` as Babel reads one ("0.00")."""
        from babel.numbers import format_decimal

        return str(format_decimal(n, format=pattern, locale=self.language))

    def percent(self, rate: float) -> str:
        """80% (rounded as Python rounds it, so English reads as it always did)."""
        from decimal import Decimal

        from babel.numbers import format_percent

        whole = Decimal(f"{rate:.0%}".removesuffix("%"))
        return str(format_percent(whole / 100, locale=self.language))

    def duration(self, value: timedelta | None) -> str:
        """ "25 min", "3.5 h", "2.5 days" (in Dutch "3,5 u", "2,5 dagen")."""
        _ = self.gettext
        if value is None:
            return _("n/a")
        minutes = value.total_seconds() / 60
        if minutes < 90:
            return _("%(n)s min", n=self.number(round(minutes)))
        hours = minutes / 60
        if hours < 48:
            return _("%(n)s h", n=self.number(hours, "0.0"))
        return _("%(n)s days", n=self.number(hours / 24, "0.0"))

    def stage(self, stage: Stage | str) -> str:
        """A stage's name: "decision", "beslissing"."""
        # pgettext called by name: Babel reads the context only from a call it recognises.
        names = {
            Stage.AWARENESS: self.pgettext("stage", "awareness"),
            Stage.CONSIDERATION: self.pgettext("stage", "consideration"),
            Stage.DECISION: self.pgettext("stage", "decision"),
            Stage.CUSTOMER: self.pgettext("stage", "customer"),
        }
        known = _stage(stage)
        return names[known] if known is not None else str(stage)

    def stage_label(self, stage: Stage | str) -> str:
        """A stage's name as a button or heading: "Decision", "Beslissing"."""
        name = self.stage(stage)
        return name[:1].upper() + name[1:]

    def stage_phrase(self, stage: Stage | str) -> str:
        """ "decision stage", "beslissingsfase": Dutch writes the stage as one compound word."""
        _ = self.gettext
        phrases = {
            Stage.AWARENESS: _("awareness stage"),
            Stage.CONSIDERATION: _("consideration stage"),
            Stage.DECISION: _("decision stage"),
            Stage.CUSTOMER: _("customer stage"),
        }
        known = _stage(stage)
        return phrases[known] if known is not None else str(stage)

    def stages(self, stages: Iterable[Stage | str]) -> str:
        return "/".join(self.stage(s) for s in stages)


def _stage(stage: Stage | str) -> Stage | None:
    try:
        return Stage(str(stage))
    except ValueError:
        return None


def _compile(language: str) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    po = resources.files("bot") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # a fuzzy (unreviewed) entry is not used
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def translator(language: str) -> Translator:
    """The translator for a catalog language; ``ValueError`` naming the choices otherwise."""
    if language not in languages():
        raise ValueError(f"no catalog for language {language!r}; choose {', '.join(languages())}")
    return Translator(language, _compile(language))


def english() -> Translator:
    return translator(DEFAULT_LANGUAGE)
