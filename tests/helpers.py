"""Helpers shared by test modules: browser steps on the map, and a commune name that is markup."""

from __future__ import annotations

import geopandas as gpd

HOSTILE = "<img src=x onerror=alert(1)>"

POINT_IN_PATH = """(code) => {
  const path = document.querySelector(`path[data-code="${code}"]`);
  const r = path.getBoundingClientRect();
  for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
    const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
    if (document.elementFromPoint(x, y) === path) return [x, y];
  }
  return null;
}"""


def publish_hostile_name(app, code="06202"):
    """Publish a boundary version where one commune's name is markup."""
    store = app.extensions["geoapp"].store
    frame = store.read_boundaries()
    frame.loc[frame["commune_code"] == code, "commune_name"] = HOSTILE
    store.publish("boundaries", gpd.GeoDataFrame(frame), author="t", comment="",
                  base_version=store.published_versions()["boundaries"])


def open_map(offline_page, url):
    """Open a page with a map and wait until its layer has drawn (data-state=ready)."""
    page = offline_page.page
    page.goto(url)
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=15000)
    return page


def hover(page, code):
    """Move the mouse over a commune and return its tooltip."""
    x, y = page.evaluate(POINT_IN_PATH, code)
    page.mouse.move(x, y)
    return page.wait_for_selector(".leaflet-tooltip", timeout=5000)


def click(page, code):
    """Click a commune and return its popup."""
    x, y = page.evaluate(POINT_IN_PATH, code)
    page.mouse.click(x, y)
    return page.wait_for_selector(".leaflet-popup-content", timeout=5000)
