"""Languages: complete translations, an up-to-date template, content fallback, negotiation, pages.

When a string is added to a template or to the code: ``make messages`` (re-extracts the ``.pot`` and
merges it into the catalogues), then translate the new entries in each ``messages.po`` (fi, sv, zh).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from festival.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    LANGUAGES,
    LOCALE_DIR,
    current_language,
    localize,
    negotiate,
    translations,
)

ROOT = Path(__file__).resolve().parent.parent
POT = LOCALE_DIR / "messages.pot"
TRANSLATED = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
HEADINGS = {"en": "Festivals", "fi": "Festivaalit", "sv": "Festivaler", "zh": "节庆活动"}
NOT_FOUND = {"en": "Not found", "fi": "Ei löytynyt", "sv": "Hittades inte", "zh": "未找到"}


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def show(ids: set[Any]) -> str:
    return "\n  ".join(sorted(repr(i) for i in ids))


# ---------------------------------------------------------------------------------------------
# catalogues


def test_translated_languages_are_the_supported_ones() -> None:
    assert TRANSLATED == ["fi", "sv", "zh"]
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    assert found == TRANSLATED


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang: str) -> None:
    template = read_catalog(POT)
    catalog = read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", locale=lang)
    missing, empty, fuzzy = set(), set(), set()
    for wanted in template:
        if not wanted.id:
            continue
        message = catalog.get(wanted.id)
        if message is None:
            missing.add(wanted.id)
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            empty.add(wanted.id)
        elif message.fuzzy:  # gettext ignores fuzzy entries: the page would show English
            fuzzy.add(wanted.id)
    assert not missing, f"{lang}: messages.po lacks (run `make messages`):\n  {show(missing)}"
    assert not empty, f"{lang}: untranslated:\n  {show(empty)}"
    assert not fuzzy, f"{lang}: fuzzy (check the translation, then drop the fuzzy flag):\n  {show(fuzzy)}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang: str) -> None:
    catalog = read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", locale=lang)
    problems = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in catalog.check()]
    assert not problems, f"{lang}: " + "\n".join(problems)


def test_runtime_catalogue_translates() -> None:
    for lang in TRANSLATED:
        assert translations(lang).gettext("Festivals") == HEADINGS[lang]
    assert translations("en").gettext("Festivals") == "Festivals"


def test_pot_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel)] if pybabel.exists() else [sys.executable, "-m", "babel.messages.frontend"]
    result = subprocess.run(
        [
            *command,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(extracted),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    in_sources, committed = msgids(read_catalog(extracted)), msgids(read_catalog(POT))
    assert in_sources, "pybabel found no messages at all: is babel.cfg right?"
    new, gone = in_sources - committed, committed - in_sources
    assert not new and not gone, (
        "festival/web/locale/messages.pot is out of date; run `make messages`.\n"
        f"In the sources but not in the .pot:\n  {show(new)}\nIn the .pot but no longer in the sources:\n  {show(gone)}"
    )


# ---------------------------------------------------------------------------------------------
# content: the fallback order of localize

NAMES = {
    "en": "Helsinki Spring Festival",
    "fi": "Helsingin kevätjuhla",
    "sv": "Helsingfors vårfest",
    "zh": "赫尔辛基春节",
}


@pytest.mark.parametrize(
    ("texts", "lang", "preferred", "expected"),
    [
        pytest.param(NAMES, "zh", (), "赫尔辛基春节", id="requested-language"),
        pytest.param(NAMES, "sv", ("fi",), "Helsingfors vårfest", id="requested-beats-edition"),
        pytest.param({"fi": "fi", "sv": "sv", "en": "en"}, "zh", ("sv", "fi"), "sv", id="edition-languages-in-order"),
        pytest.param({"fi": "fi", "zh": "zh"}, "sv", ("zh", "fi"), "zh", id="edition-order-not-global"),
        pytest.param({"fi": "fi", "sv": "sv", "zh": "zh"}, "de", (), "fi", id="global-order-en-fi-sv-zh"),
        pytest.param({"sv": "sv", "zh": "zh"}, "en", ("fi",), "sv", id="global-order-after-edition"),
        pytest.param({"zh": "zh"}, "fi", ("sv",), "zh", id="last-of-global-order"),
        pytest.param({"ja": "日本語"}, "fi", ("sv",), "日本語", id="any-language-at-all"),
        pytest.param({"en": "", "fi": "fi"}, "en", (), "fi", id="empty-text-skipped"),
        pytest.param({"en": ""}, "en", (), "", id="only-empty"),
        pytest.param({}, "en", (), "", id="no-texts"),
        pytest.param(None, "en", (), "", id="none"),
    ],
)
def test_localize_fallback_order(
    texts: dict[str, str] | None, lang: str, preferred: tuple[str, ...], expected: str
) -> None:
    assert localize(texts, lang, preferred) == expected


def test_localize_defaults_to_the_request_language() -> None:
    token = current_language.set("sv")
    try:
        assert localize(NAMES) == "Helsingfors vårfest"
        assert localize(NAMES, "fi") == "Helsingin kevätjuhla"
    finally:
        current_language.reset(token)
    assert localize(NAMES) == "Helsinki Spring Festival"


# ---------------------------------------------------------------------------------------------
# interface: Accept-Language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans-CN", "zh"),
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh"),
        ("fi-FI", "fi"),
        ("fi", "fi"),
        ("sv-FI,sv;q=0.9,en;q=0.8", "sv"),
        ("en-US,en;q=0.9", "en"),
        ("de", "en"),
        ("de-DE,de;q=0.9,fi;q=0.8", "fi"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        (" , ;q=1", "en"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize(("header", "expected"), [("FI", "fi"), ("ZH-cn", "zh"), ("Sv-Se", "sv"), ("EN", "en")])
def test_negotiate_ignores_case(header: str, expected: str) -> None:
    """Language tags are case-insensitive (RFC 5646 §2.1.1), and the answer is always one of LANGUAGES."""
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("fi;q=0, sv", "sv"), ("en;q=0.1, zh", "zh"), ("de, sv;q=0.2, fi;q=0.8", "fi")],
)
def test_negotiate_follows_quality_values(header: str, expected: str) -> None:
    """The q weights rank the languages, not their order in the header; q=0 means "not this one" (RFC 9110 §12.4.2)."""
    assert negotiate(header) == expected


# ---------------------------------------------------------------------------------------------
# pages (one app per test costs ~0.5 s, so each test walks through its cases)


@pytest.mark.anyio
async def test_home_page_in_each_language(client: Any) -> None:
    for lang in LANGUAGES:
        response = await client.get("/", params={"lang": lang})
        assert response.status_code == 200
        assert f'<html lang="{lang}">' in response.text
        assert f"<h1>{HEADINGS[lang]}</h1>" in response.text
    response = await client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh">' in response.text
    assert "<h1>节庆活动</h1>" in response.text
    response = await client.get("/", params={"lang": "xx"}, headers={"accept-language": "fi-FI"})
    assert '<html lang="fi">' in response.text, "an unknown ?lang= is ignored"


@pytest.mark.anyio
async def test_language_cookie_is_honoured(client: Any) -> None:
    switch = await client.get("/language/zh", params={"next": "/"})
    assert switch.status_code == 303
    assert switch.headers["location"] == "/"
    assert switch.cookies.get(LANGUAGE_COOKIE) == "zh"
    cookie = {"cookie": f"{LANGUAGE_COOKIE}=zh"}

    page = await client.get("/", headers={**cookie, "accept-language": "fi"})
    assert '<html lang="zh">' in page.text
    assert "<h1>节庆活动</h1>" in page.text
    # ?lang= wins over the cookie for one page.
    page = await client.get("/", params={"lang": "sv"}, headers=cookie)
    assert '<html lang="sv">' in page.text
    # The switch only goes back to this site.
    for target in ["//evil.example/", "https://evil.example/", "evil"]:
        switch = await client.get("/language/fi", params={"next": target})
        assert switch.status_code == 303
        assert switch.headers["location"] == "/", target


@pytest.mark.anyio
async def test_unknown_language_gives_a_friendly_page(client: Any) -> None:
    for lang in LANGUAGES:
        response = await client.get(
            "/language/xx", params={"next": "/"}, headers={"accept": "text/html", "cookie": f"{LANGUAGE_COOKIE}={lang}"}
        )
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in response.text
        assert f"<h1>{NOT_FOUND[lang]}</h1>" in response.text
        assert LANGUAGE_COOKIE not in response.cookies
        for leak in ("Traceback", 'File "', "NotFound(", ".py"):
            assert leak not in response.text, f"{lang}: the page shows {leak!r}"
