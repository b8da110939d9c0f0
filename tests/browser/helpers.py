"""Helpers for browser tests: pages at a given viewport, map state, axe-core."""

from __future__ import annotations

from pathlib import Path

from tests.accounts import PASSWORD, add_user
from tests.conftest import OfflinePage

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}


def page_at(browser, viewport: dict) -> OfflinePage:
    """An offline page (non-loopback requests blocked) with another viewport size."""
    offline = OfflinePage(browser)
    offline.page.set_viewport_size(viewport)
    return offline


def open_map(page, url: str):
    page.goto(url)
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=20000)
    return page


def map_state(page) -> dict:
    """Zoom and centre of the page's (first) map."""
    return page.evaluate(
        """() => { const m = Object.values(window.geoappMaps)[0].map; const c = m.getCenter();
                   return {zoom: m.getZoom(), lat: c.lat, lng: c.lng}; }"""
    )


def map_box(page) -> dict:
    return page.locator(".folium-map").bounding_box()


def log_in(page, base_url: str, app, name: str = "chief", role: str = "admin") -> None:
    add_user(app, name, role)
    page.goto(base_url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (the vendored npm package) in the page; return violations of these impacts."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
             const r = await axe.run(document, {resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
           }"""
    )
    return [v for v in result if v["impact"] in impacts]
