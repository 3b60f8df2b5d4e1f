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

from babel.core import Locale
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


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


def babel_locale(lang: str) -> str:
    """Babel's locale for one of our languages (Chinese is written in simplified characters)."""
    return {"zh": "zh_Hans"}.get(lang, lang)


def format_money(minor: int, currency: str, lang: str) -> str:
    """Integer minor units in the currency's own precision: 2500 EUR → "€25.00" in English,
    "25,00 €" in Finnish. Never through a float."""
    from decimal import Decimal

    from babel.numbers import format_currency, get_currency_precision

    amount = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=babel_locale(lang))


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
    """Choose a supported language from an Accept-Language header (RFC 9110: quality values, any case).

    ``zh-CN`` or ``fi-FI`` match the bare language; ``q=0`` means "not this one"; ties keep header order.
    """
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        base = tag.strip().lower().replace("_", "-").split("-")[0]
        if quality > 0 and base in LANGUAGES:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


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
