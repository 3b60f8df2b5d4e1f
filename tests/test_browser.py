"""The web pages in a real browser: language switch, sign-in and sign-out, keyboard basics.

The app runs in a ``festival serve`` subprocess on the test database (see ``tests/browser.py``)
with the demo data loaded once for the module; each test has its own browser context (no cookies).
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from festival.auth.services import SESSION_COOKIE
from festival.demo import DEMO_PASSWORD
from festival.i18n import LANGUAGES
from tests.browser import LiveServer, artifact_path, chromium_browser, demo_site, live_server, open_page

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

ORGANISER = "organiser@demo.festival.example"
ORGANISER_NAME = "Olli Organiser"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_chinese_font_is_installed_for_chromium() -> None:
    """Without a CJK font Chromium draws empty boxes: the DOM checks would pass, the screenshot would not."""
    import shutil
    import subprocess

    from tests.conftest import service_missing

    if shutil.which("fc-list") is None:
        service_missing("fontconfig (fc-list)")
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not families.strip():
        service_missing("a Chinese font (Debian package fonts-wqy-zenhei)")
    assert families.strip()


async def test_home_page_switches_to_chinese(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Festivals")
        await expect(page.get_by_role("link", name="Helsinki Spring Festival 2027")).to_be_visible()

        await page.get_by_role("navigation", name="Language").get_by_role("link", name="中文").click()

        await page.wait_for_url(live_server.url("/"))
        await expect(page.locator("html")).to_have_attribute("lang", "zh")
        await expect(page.get_by_role("heading", level=1)).to_have_text("节庆活动")
        await expect(page.get_by_role("link", name="2027赫尔辛基春节")).to_be_visible()
        await expect(page.get_by_role("link", name="中文")).to_have_attribute("aria-current", "true")
        # The choice is a cookie: it holds on the next page without ?lang=.
        await page.get_by_role("link", name="2027赫尔辛基春节").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("2027赫尔辛基春节")
        await page.goto("/")

        screenshot = artifact_path("home-zh.png")
        screenshot.unlink(missing_ok=True)
        await page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
        problems.assert_none()


async def test_sign_in_and_out_through_the_form(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/")
        account = page.get_by_role("navigation", name="Account")
        await account.get_by_role("link", name="Sign in").click()
        await page.wait_for_url(re.compile(r"/login\?next=(/|%2F)$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        submit = page.get_by_role("main").get_by_role("button", name="Sign in")

        await page.get_by_label("E-mail").fill(ORGANISER)
        await page.get_by_label("Password").fill("not-the-password")
        await submit.click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
        await expect(page.get_by_label("E-mail")).to_have_value(ORGANISER)
        await expect(account).not_to_contain_text(ORGANISER_NAME)
        problems.failed.clear()  # the refused sign-in answers 401 on purpose

        await page.get_by_label("Password").fill(DEMO_PASSWORD)
        await submit.click()
        await page.wait_for_url(live_server.url("/"))
        await expect(account).to_contain_text(ORGANISER_NAME)
        await expect(account.get_by_role("link", name="Admin")).to_be_visible()
        assert SESSION_COOKIE in {c["name"] for c in await page.context.cookies()}

        await account.get_by_role("button", name="Sign out").click()

        await page.wait_for_url(live_server.url("/"))
        await expect(account.get_by_role("link", name="Sign in")).to_be_visible()
        await expect(account).not_to_contain_text(ORGANISER_NAME)
        assert SESSION_COOKIE not in {c["name"] for c in await page.context.cookies()}
        problems.assert_none()


async def test_keyboard_and_document_basics(chromium_browser: Browser, demo_site: Any, live_server: LiveServer) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        for path in ["/", "/login", "/hsf-2027/", "/?lang=zh"]:
            await page.goto(path)

            await page.keyboard.press("Tab")
            focused = await page.evaluate(
                "() => ({tag: document.activeElement.tagName, href: document.activeElement.getAttribute('href')})"
            )
            assert focused == {"tag": "A", "href": "#main"}, f"{path}: the first Tab should reach 'skip to content'"
            skip_link = page.locator("a[href='#main']")
            await expect(skip_link).to_be_in_viewport()  # off-screen until focused, then visible
            await page.keyboard.press("Enter")
            focused_id = await page.evaluate("() => document.activeElement.id")
            assert focused_id == "main", f"{path}: the skip link should move the focus to <main>"

            missing_alt = await page.locator("img:not([alt])").count()
            assert missing_alt == 0, f"{path}: {missing_alt} <img> without alt"
            assert await page.locator("h1").count() == 1, f"{path}: a page has exactly one <h1>"
            lang = await page.locator("html").get_attribute("lang")
            assert lang in LANGUAGES, f"{path}: <html lang> should be one of {LANGUAGES}, got {lang!r}"
            assert (await page.title()).strip(), f"{path}: the page has a title"
        problems.assert_none()


async def programme_rows(page: Any) -> tuple[list[str], list[str]]:
    """(venue slug, title) of every row of the programme page, in order."""
    rows = page.locator("li.run")
    venues = [v or "" for v in await rows.evaluate_all("rows => rows.map(r => r.dataset.venue)")]
    titles = await rows.locator(".run-title a").all_inner_texts()
    return venues, titles


async def test_programme_venue_filter(chromium_browser: Browser, demo_site: Any, live_server: LiveServer) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/hsf-2027/")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Helsinki Spring Festival 2027")
        venues, titles = await programme_rows(page)
        assert {"oodi", "narinkkatori"} <= set(venues)
        assert "Opening ceremony" in titles  # at Narinkka Square

        form = page.get_by_role("search", name="Filter the programme")
        await form.get_by_label("Venue").select_option(label="Helsinki Central Library Oodi")
        await form.get_by_role("button", name="Show").click()

        await page.wait_for_url(re.compile(r"/hsf-2027/?\?.*venue=oodi"))
        venues, titles = await programme_rows(page)
        assert venues and set(venues) == {"oodi"}
        assert "Opening ceremony" not in titles
        assert "Calligraphy workshop" in titles
        shown = await page.locator("li.run .run-venue").all_inner_texts()
        assert shown and set(shown) == {"Helsinki Central Library Oodi"}
        await expect(page.get_by_role("status")).to_have_text(f"{len(venues)} events")
        await expect(form.get_by_label("Venue")).to_have_value("oodi")

        await page.get_by_role("link", name="Clear filters").click()
        await page.wait_for_url(live_server.url("/hsf-2027/"))
        venues, _ = await programme_rows(page)
        assert len(set(venues)) > 1
        problems.assert_none()


async def test_programme_switches_to_chinese_and_keeps_the_filters(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/hsf-2027/")
        form = page.get_by_role("search", name="Filter the programme")
        await form.get_by_label("Venue").select_option("narinkkatori")
        await form.get_by_label("Search").fill("dance")
        await form.get_by_role("button", name="Show").click()
        await page.wait_for_url(re.compile(r"venue=narinkkatori"))
        venues, titles = await programme_rows(page)
        assert set(venues) == {"narinkkatori"} and "Lion dance" in titles

        await page.get_by_role("navigation", name="Language").get_by_role("link", name="中文").click()

        await page.wait_for_url(re.compile(r"/hsf-2027/?\?.*venue=narinkkatori"))
        await expect(page.locator("html")).to_have_attribute("lang", "zh")
        await expect(page.get_by_role("link", name="舞狮").first).to_be_visible()
        chinese_venues, chinese_titles = await programme_rows(page)
        assert chinese_venues == venues  # the same rows, in Chinese
        assert "舞狮" in chinese_titles and "Lion dance" not in chinese_titles
        form = page.get_by_role("search")
        await expect(form.locator("#filter-venue")).to_have_value("narinkkatori")
        await expect(form.locator("#filter-q")).to_have_value("dance")

        screenshot = artifact_path("programme-zh.png")
        screenshot.unlink(missing_ok=True)
        await page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
        problems.assert_none()


async def test_star_an_item_and_subscribe_to_my_calendar(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    """A visitor without an account stars the lion dance and gets a private feed that holds its runs."""
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/hsf-2027/")
        await page.get_by_role("link", name="Subscribe in your calendar").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe in your calendar")
        whole = page.locator("#feed-whole")
        await expect(whole.get_by_role("link", name="Subscribe (calendar app)")).to_have_attribute(
            "href", re.compile(r"^webcal://127\.0\.0\.1:\d+/calendars/hsf-2027\.ics\?lang=en$")
        )
        await expect(whole.get_by_role("link", name="Google Calendar")).to_have_attribute(
            "href", re.compile(r"cid=webcal%3A%2F%2F")
        )

        await page.goto("/hsf-2027/items/lion-dance")
        await page.get_by_role("button", name="☆ Add to my calendar").click()
        await page.wait_for_url(live_server.url("/hsf-2027/items/lion-dance"))
        await expect(page.get_by_role("button", name="★ In my calendar")).to_be_visible()

        await page.get_by_role("link", name="My calendar").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("My calendar")
        await expect(page.get_by_role("link", name="Lion dance").first).to_be_visible()
        address = await page.locator("#feed-personal-url").input_value()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendars/personal/[\w-]{32}\.ics\?lang=en", address)
        screenshot = artifact_path("my-calendar.png")
        screenshot.unlink(missing_ok=True)
        await page.screenshot(path=str(screenshot), full_page=True)
        problems.assert_none()

    # The calendar app: the same address, no cookie.
    async with httpx.AsyncClient() as calendar_app:
        feed = await calendar_app.get(address)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == feed.text.count("SUMMARY;LANGUAGE=en:Lion dance") >= 2
