"""A thin WSGI layer in front of Flask: repeated GETs of cached bodies answered without Flask.

Flask marks a response served from the one cache (`environ["geoapp.cache_key"]`, set by
geoapp.web.responses.cached_json: pages, GeoJSON, map values). This layer keeps what was sent
(status line, every header, the body: the same bytes object as in the cache) under the exact
request that produced it (path, query string, host, scheme, forwarded headers, language cookie,
gzip or not) and the data version it was built from. An identical request is then answered after
one `os.stat` of the data version stamp (geoapp.stamp), which publish and rollback rewrite in
every backend: after a publish the stamp's version differs, nothing kept matches, and the request
goes to Flask, which builds afresh. Answers are therefore the bytes and headers Flask gave.

A publish made on another host (PostGIS shared by several hosts, each with its own data directory)
does not touch this host's stamp: every FAST_PATH_RECHECK seconds one request asks the store for
its data version and rewrites the stamp if it differs, so such a publish is seen within that time.

Never answered here: other methods than GET, conditional requests (Flask answers 304), requests
with credentials (any cookie but `lang`, an Authorization header), responses that set a cookie.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from geoapp.stamp import VersionStamp

# Request parts a cached answer may depend on (links carry the site address).
KEY_ENVIRON = (
    "PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
    "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX",
)
CREDENTIALS = ("HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")


@dataclass(frozen=True)
class Answer:
    """A response as Flask sent it."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def language_cookie(cookie_header: str) -> str | None:
    """Return the `lang` cookie of a Cookie header; raise ValueError if it holds any other cookie."""
    lang = None
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if not name:
            continue
        if name != "lang":
            raise ValueError(name)
        lang = value
    return lang


def request_key(environ: dict) -> tuple | None:
    """Return what identifies a request for the fast path, None when it must go to Flask."""
    if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in CREDENTIALS):
        return None
    try:
        lang = language_cookie(environ.get("HTTP_COOKIE", ""))
    except ValueError:
        return None
    gzip_ok = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
    return (*(environ.get(name) for name in KEY_ENVIRON), lang, gzip_ok)


class Answers:
    """Kept answers of one data version, least recently used dropped beyond a byte budget; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: str | None = None
        self._data: OrderedDict[tuple, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, version: str, key: tuple) -> Answer | None:
        with self._lock:
            if version != self.version:
                return None
            answer = self._data.get(key)
            if answer is not None:
                self._data.move_to_end(key)
            return answer

    def put(self, version: str, key: tuple, answer: Answer) -> None:
        if len(answer.body) > self.max_bytes:
            return
        with self._lock:
            if version != self.version:
                self._data.clear()  # a newer data version: nothing older is answered again
                self._bytes, self.version = 0, version
            old = self._data.pop(key, None)
            self._bytes += len(answer.body) - (len(old.body) if old else 0)
            self._data[key] = answer
            while self._bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped.body)


class FastPath:
    """WSGI middleware: answers a GET that Flask already answered from the cache, for the same data version."""

    def __init__(self, app, stamp: VersionStamp, max_bytes: int, *, store_version=None, recheck: float = 0) -> None:
        self.app = app
        self.stamp = stamp
        self.answers = Answers(max_bytes)
        self.store_version = store_version  # callable: the store's data version (one query)
        self.recheck = recheck
        self._checked = time.monotonic()
        self._checking = threading.Lock()

    def check_store(self) -> None:
        """Every `recheck` seconds, one request compares the store's data version with the stamp."""
        if not self.recheck or self.store_version is None or time.monotonic() - self._checked < self.recheck:
            return
        if not self._checking.acquire(blocking=False):
            return
        try:
            self._checked = time.monotonic()
            token = self.store_version()
            if token != self.stamp.current():
                self.stamp.write(token)  # published on another host
        except Exception:  # noqa: BLE001 - a failing store is Flask's to report, on the request itself
            pass
        finally:
            self._checking.release()

    def __call__(self, environ, start_response):
        key = request_key(environ)
        if key is None:
            return self.app(environ, start_response)
        self.check_store()
        version = self.stamp.current()
        answer = self.answers.get(version, key) if version else None
        if answer is not None:
            start_response(answer.status, list(answer.headers))
            return [answer.body]
        return self.through_flask(environ, start_response, key, version)

    def through_flask(self, environ, start_response, key: tuple, version: str | None):
        """Let Flask answer; keep its answer when it came from the cache of the stamp's data version."""
        sent = {}

        def capture(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        cache_key = environ.get("geoapp.cache_key")
        headers = sent.get("headers") or []
        if (
            cache_key is None
            or version is None
            or cache_key.version != version  # built from another version than the stamp says: not kept
            or not sent.get("status", "").startswith("200")
            or any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.answers.put(version, key, Answer(sent["status"], tuple(headers), body))
        return [body]


def init_app(app, store, settings: dict) -> None:
    """Put the fast path in front of the app unless FAST_PATH is off."""
    if settings["FAST_PATH"] and store.stamp is not None:
        app.wsgi_app = FastPath(
            app.wsgi_app, store.stamp, int(settings["FAST_PATH_MB"]) * 1024 * 1024,
            store_version=store.data_version, recheck=float(settings["FAST_PATH_RECHECK"]),
        )
