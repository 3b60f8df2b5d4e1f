"""Languages, multilingual text with a fallback order, and the user interface's translations.

Content (names, descriptions) is stored per language as ``{"en": ..., "zh": ...}`` and resolved with
``localize``. Interface strings are gettext messages; the catalogues are ``.po`` files under
``festival/web/locale`` read with Babel at start-up (no compile step).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.core import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

# Order matters: it is the default fallback order for content.
LANGUAGES: tuple[str, ...] = ("en", "fi", "sv", "zh")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fi": "Suomi", "sv": "Svenska", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "web" / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def is_language(code: str) -> bool:
    return code in LANGUAGES


def fallback_order(lang: str, preferred: Iterable[str] = ()) -> list[str]:
    """The requested language, then the edition's own languages, then the global order."""
    order: list[str] = []
    for code in (lang, *preferred, *LANGUAGES):
        if code not in order:
            order.append(code)
    return order


def localize(texts: Mapping[str, str] | None, lang: str | None = None, preferred: Iterable[str] = ()) -> str:
    """Pick the text in ``lang`` or the first available in the fallback order; '' if none at all."""
    if not texts:
        return ""
    for code in fallback_order(lang or current_language.get(), preferred):
        value = texts.get(code)
        if value:
            return value
    return next((v for v in texts.values() if v), "")


def negotiate(accept_language: str | None) -> str:
    """Choose a supported language from an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    wanted = []
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            wanted.append(tag)
    chosen = negotiate_locale(wanted, list(LANGUAGES), sep="_")
    if chosen is None:
        # "zh_CN" or "fi_FI" should still match the bare language.
        for tag in wanted:
            base = tag.split("_")[0].lower()
            if base in LANGUAGES:
                return base
        return DEFAULT_LANGUAGE
    return chosen


@cache
def translations(lang: str) -> NullTranslations:
    """The gettext catalogue of ``lang`` (English is the source language)."""
    po_file = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po_file.exists():
        return NullTranslations()
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=Locale.parse(lang))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)
