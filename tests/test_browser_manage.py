"""The organisers' timetable in a real browser: warnings shown, a slot moved by dragging it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from festival.demo import DEMO_PASSWORD
from tests.browser import LiveServer, artifact_path, chromium_browser, demo_site, live_server, open_page

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def test_drag_a_slot_to_another_venue_and_time(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto("/login?next=/hsf-2027/manage/")
        await page.get_by_label("E-mail").fill("organiser@demo.festival.example")
        await page.get_by_label("Password").fill(DEMO_PASSWORD)
        await page.get_by_role("main").get_by_role("button", name="Sign in").click()
        await page.wait_for_url(live_server.url("/hsf-2027/manage/"))
        await expect(page.get_by_role("heading", name="2 warnings")).to_be_visible()

        grid = page.locator('.timetable[data-date="2027-02-14"]')
        fireworks = grid.locator('.slot[data-venue="toolonlahti"]')
        await expect(fireworks).to_contain_text("20:00–20:20")
        # Where 17:00 at Narinkka Square is on the grid: its column, 11 hours below 06:00.
        target = await grid.evaluate(
            """(grid) => {
                const box = grid.getBoundingClientRect();
                const head = grid.querySelector('.venue-head').getBoundingClientRect();
                const column = [...grid.querySelectorAll('.venue-head')].find(h => h.textContent === 'Narinkka Square');
                const col = column.getBoundingClientRect();
                const row = (box.height - head.height) / 96;
                return {x: col.left - box.left + col.width / 2, y: head.height + (11 * 4 + 0.5) * row};
            }"""
        )
        await fireworks.drag_to(grid, target_position=target)

        moved = page.locator(
            '.timetable[data-date="2027-02-14"] .slot[data-venue="narinkkatori"]', has_text="Fireworks"
        )
        await expect(moved).to_contain_text("17:00–17:20")
        await expect(page.locator('.timetable[data-date="2027-02-14"] .slot[data-venue="toolonlahti"]')).to_have_count(
            0
        )
        await moved.scroll_into_view_if_needed()
        screenshot = artifact_path("timetable.png")
        await page.screenshot(path=str(screenshot), full_page=False)
        problems.assert_none()
