"""Pages built once per (data version, canonical request, language), and the fast path in front of Flask."""

from __future__ import annotations

import pytest

from geoapp import create_app
from geoapp.web.fastpath import FastPath
from tests.accounts import as_user
from tests.helpers import publish_hostile_name

GZ = {"Accept-Encoding": "gzip"}
MARK = "onerror=alert(1)"  # part of the published name in every escaping (HTML, JSON)
URLS = [
    "/maps/ntm_level?district=183",
    "/maps/ntm_level?district=all",
    "/embed/ntm_level",
    "/communes/06202",
    "/maps/ntm_level/editions",
    "/api/boundaries.geojson?district=all",
    "/api/maps/ntm_level.json?district=all",
]


def count_renders(monkeypatch) -> list:
    """Count the templates rendered by the page views."""
    import geoapp.web.browse as browse
    import geoapp.web.editions as editions
    import geoapp.web.embed as embed

    calls = []
    for module in (browse, editions, embed):
        real = module.render_template
        monkeypatch.setattr(module, "render_template", lambda name, _real=real, **kw: calls.append(name) or _real(name, **kw))
    return calls


@pytest.mark.parametrize("fast_path", [True, False])
def test_page_is_rendered_once_then_served_from_cache(settings, monkeypatch, fast_path):
    app = create_app({**settings, "FAST_PATH": fast_path})
    client = app.test_client()
    calls = count_renders(monkeypatch)
    first = client.get("/maps/ntm_level?district=183", headers=GZ)
    again = client.get("/maps/ntm_level?district=183", headers=GZ)
    same_request = client.get("/maps/ntm_level?year=2021&district=183&units=2021", headers=GZ)  # the same canonical request
    assert first.status_code == again.status_code == same_request.status_code == 200
    assert calls == ["map.html"]
    assert first.headers["Content-Encoding"] == "gzip" and first.data == again.data == same_request.data
    assert first.headers["ETag"] == same_request.headers["ETag"]
    english = app.test_client().get("/maps/ntm_level?district=183&lang=en", headers=GZ)  # another language: another page
    assert calls == ["map.html", "map.html"] and english.data != first.data
    not_modified = client.get("/maps/ntm_level?district=183", headers={**GZ, "If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and calls == ["map.html", "map.html"]


def test_language_links_of_a_cached_page_keep_only_its_canonical_query(client):
    page = client.get("/maps/ntm_level?district=183&zoom=12&center=21.9,106.8").get_data(as_text=True)
    assert 'hreflang="en"' in page and "zoom=12" not in page
    assert client.get("/maps/ntm_level?district=183").get_data(as_text=True) == page


def test_signed_in_pages_are_their_own(app, monkeypatch):
    """A signed-in reader sees their name: such a page is never stored for, nor served to, anyone else."""
    calls = count_renders(monkeypatch)
    anonymous = app.test_client()
    before = anonymous.get("/maps/ntm_level").get_data(as_text=True)
    editor = as_user(app, "nguyen.van.a", "editor")
    mine = editor.get("/maps/ntm_level").get_data(as_text=True)
    after = anonymous.get("/maps/ntm_level").get_data(as_text=True)
    assert "nguyen.van.a" in mine and 'name="csrf_token"' in mine
    assert "nguyen.van.a" not in before and before == after
    assert calls.count("map.html") == 2  # the anonymous page once, the editor's page for the editor


def test_fast_path_answers_with_the_same_headers_and_body_as_flask(settings):
    slow = create_app({**settings, "FAST_PATH": False}).test_client()
    fast_app = create_app({**settings, "FAST_PATH": True})
    fast = fast_app.test_client()
    assert isinstance(fast_app.wsgi_app, FastPath)
    for url in URLS:
        for headers in (GZ, {}, {"Cookie": "lang=en"}):
            fast.get(url, headers=headers)  # Flask answers and the fast path keeps the answer
    flask_calls = []
    inner = fast_app.wsgi_app.app
    fast_app.wsgi_app.app = lambda environ, start: flask_calls.append(environ["PATH_INFO"]) or inner(environ, start)
    for url in URLS:
        for headers in (GZ, {}, {"Cookie": "lang=en"}):
            a, b = slow.get(url, headers=headers), fast.get(url, headers=headers)
            assert a.status_code == b.status_code == 200, url
            assert a.data == b.data, url
            assert sorted(a.headers.items()) == sorted(b.headers.items()), url
    assert flask_calls == []  # every second answer came from the fast path
    embed = fast.get("/embed/ntm_level")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"] and "X-Frame-Options" not in embed.headers
    page = fast.get("/maps/ntm_level?district=183")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"] and page.headers["X-Frame-Options"] == "DENY"


def test_fast_path_leaves_credentials_and_cookies_to_flask(app):
    client = app.test_client()
    client.get("/maps/ntm_level")
    kept = len(app.wsgi_app.answers)
    first = app.test_client().get("/maps/ntm_level?lang=en")  # sets the language cookie: not kept
    assert "lang=en" in first.headers.get("Set-Cookie", "")
    editor = as_user(app, "tran.thi.b", "editor")
    assert "tran.thi.b" in editor.get("/maps/ntm_level").get_data(as_text=True)
    assert len(app.wsgi_app.answers) == kept


def test_a_publish_is_seen_by_the_next_request_of_another_worker(backend_settings):
    """Two app instances on one store are two workers: a publish in one, the next request of the other is fresh."""
    one, two = create_app(backend_settings), create_app(backend_settings)
    urls = ["/communes/06202", "/maps/ntm_level?district=183", "/api/boundaries.geojson?district=183"]
    worker_two = two.test_client()
    for _ in range(2):  # the second round is answered by the fast path of worker two
        for url in urls:
            assert MARK not in worker_two.get(url).get_data(as_text=True)
    version = two.extensions["geoapp"].datasets.get().version
    publish_hostile_name(one)
    for url in urls:
        assert MARK in worker_two.get(url).get_data(as_text=True), url
    assert two.extensions["geoapp"].datasets.get().version != version
    assert two.wsgi_app.answers.version != version


def test_a_publish_on_another_host_is_seen_after_the_recheck(backend_settings):
    """Another host's publish leaves this host's stamp alone: the periodic store check rewrites it."""
    from geoapp.config import load_settings
    from geoapp.storage import open_store

    app = create_app({**backend_settings, "FAST_PATH_RECHECK": 0.001})
    client = app.test_client()
    for _ in range(2):
        assert MARK not in client.get("/communes/06202").get_data(as_text=True)
    elsewhere = open_store(load_settings(backend_settings))
    elsewhere.stamp = None  # another host: its own data directory, not this one's stamp

    class OtherHost:
        extensions = {"geoapp": type("State", (), {"store": elsewhere})}

    before = app.wsgi_app.stamp.current()
    publish_hostile_name(OtherHost)
    assert app.wsgi_app.stamp.current() == before
    assert MARK in client.get("/communes/06202").get_data(as_text=True)
    assert app.wsgi_app.stamp.current() == elsewhere.data_version() != before
