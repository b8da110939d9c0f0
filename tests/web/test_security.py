"""Security headers, no inline scripts, and assets from the site itself."""


def test_headers_on_every_page(client):
    for url in ("/", "/maps/ntm_level", "/communes/06202", "/api/maps/ntm_level.json", "/healthz", "/nope"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, url
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_and_no_nonce(client):
    """Pages carry maps as JSON data blocks: the policy allows no inline script, so no nonce is needed."""
    import re

    for url in ("/maps/ntm_level", "/embed/ntm_level", "/communes/06202", "/maps/ntm_level/editions"):
        r = client.get(url)
        html = r.get_data(as_text=True)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "nonce" not in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        scripts = re.findall(r"<script([^>]*)>", html)
        inline = [a for a in scripts if "src=" not in a and "application/json" not in a]
        assert scripts and not inline, (url, inline)
        assert "data-geoapp-map" in html, url


def test_no_cdn_assets(client):
    html = client.get("/maps/ntm_level").get_data(as_text=True)
    import re

    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url


def test_tiles_setting_allows_tile_host_only(settings):
    from geoapp import create_app

    app = create_app({**settings, "TILES": "https://{s}.tile.example.org/{z}/{x}/{y}.png"})
    r = app.test_client().get("/maps/ntm_level")
    assert "img-src 'self' data: blob: https://*.tile.example.org" in r.headers["Content-Security-Policy"]
    assert "https://{s}.tile.example.org/{z}/{x}/{y}.png" in r.get_data(as_text=True)
