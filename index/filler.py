"""Filler words: what a rep's sentence carries that says nothing about an asset.

Stop words come from the maintained ``stop-words`` lists (English and Dutch); on top, the few
words every sales conversation uses about itself ("prospect", "deal", "send"), in both
languages. Used to keep reasons and the vagueness test to words that carry meaning.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words about the conversation itself, not about any content: a reason quoting them says
# nothing, and a question made only of them is too vague to search.
_CONVERSATION_TEXT = """
    send sending sent share sharing forward give show need needs needed want wants wanted
    prospect prospects lead leads deal deals client clients customer customers account accounts
    buyer buyers company companies rep reps stage stages phase phases funnel content material
    materials asset assets thing things stuff something anything good best right useful helpful
    left basically actually really maybe please pls thanks thx asap today tomorrow tmrw week
    call meeting email mail follow followup follow-up next time soon later question questions
    asked asking ask told said says wrote write whats what's
    sturen stuur opsturen delen geven laten zien nodig willen wil klant klanten prospect deal
    materiaal iets goed goede beste handig bedankt graag vandaag morgen week gesprek mail
    volgende vraag vragen vroeg gevraagd
"""
_CONVERSATION = frozenset(_CONVERSATION_TEXT.split())
_WORD = re.compile(r"\w[\w'-]*\w|\w", re.UNICODE)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from stop_words import get_stop_words

    return frozenset(w.casefold() for lang in ("en", "nl") for w in get_stop_words(lang))


def is_filler(word: str) -> bool:
    """True for a stop word (English or Dutch), a conversation word, or three letters or fewer."""
    folded = word.casefold().strip("'’-")
    return len(folded) <= 3 or folded in _CONVERSATION or folded in _stop_words()


def content_words(text: str) -> list[str]:
    """The words of ``text`` that say what it is about: not stop words or conversation words
    (short codes such as "SOC", "CFO" or "ROI" count; lone digits do not)."""
    found = []
    for word in _WORD.findall(text):
        folded = word.casefold().strip("'’-")
        if len(folded) < 2 or folded.isdigit():
            continue
        if folded not in _CONVERSATION and folded not in _stop_words():
            found.append(word)
    return found
