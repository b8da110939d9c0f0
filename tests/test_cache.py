"""The one cache: keys of (data version, canonical request, format, language), in memory or on disk."""

from geoapp.cache import CacheKey, DiskCache, MemoryCache


def counting(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_memory_cache_builds_once_per_key():
    cache = MemoryCache(8)
    build, calls = counting("body")
    key = CacheKey("b1.i1", "ntm_level?year=2021", "values.json", "vi")
    assert cache.get_or_build(key, build) == cache.get_or_build(key, build) == "body"
    assert len(calls) == 1
    for other in (CacheKey("b1.i2", key.request, key.fmt, key.lang), key.variant("view"),
                  CacheKey(key.version, "ntm_level?year=2020", key.fmt, key.lang),
                  CacheKey(key.version, key.request, key.fmt, "en")):
        assert cache.get_or_build(other, lambda: "other") == "other"


def test_memory_cache_forgets_older_data_versions_and_least_used_entries():
    cache = MemoryCache(2)
    old = CacheKey("b1.i1", "a", "view")
    cache.get_or_build(old, lambda: 1)
    cache.get_or_build(CacheKey("b1.i2", "a", "view"), lambda: 2)
    assert len(cache) == 1
    build, calls = counting(3)
    cache.get_or_build(old, build)
    assert calls == [1]
    for name in "bcd":
        cache.get_or_build(CacheKey("b1.i1", name, "view"), lambda: 0)
    assert len(cache) == 2


def test_disk_cache_keeps_one_directory_for_the_current_version(tmp_path):
    cache = DiskCache(tmp_path / "c", max_files=2)
    first = CacheKey("b1.i1", "ntm_level?year=2021", "png-300dpi-landscape-x", "vi")
    assert cache.get_or_build(first, lambda: b"png") == b"png"
    build, calls = counting(b"rebuilt")
    assert cache.get_or_build(first, build) == b"png" and not calls
    assert cache.path(first).suffix == ".png" and cache.path(first).parent.name == "b1.i1"
    newer = CacheKey("b1.i2", first.request, first.fmt, first.lang)
    cache.get_or_build(newer, lambda: b"new")
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["b1.i2"]
    for n in range(3):
        cache.get_or_build(CacheKey("b1.i2", str(n), "svg-portrait", "vi"), lambda: b"s")
    assert len(list((tmp_path / "c" / "b1.i2").iterdir())) == 2


def test_exports_drawn_by_another_release_are_not_served(tmp_path):
    key = CacheKey("b1.i1", "ntm_level?year=2021", "png", "vi")
    old = DiskCache(tmp_path, release="0.1.0")
    assert old.get_or_build(key, lambda: b"drawn by 0.1.0") == b"drawn by 0.1.0"
    new = DiskCache(tmp_path, release="0.2.0")
    build, calls = counting(b"drawn by 0.2.0")
    assert new.get_or_build(key, build) == b"drawn by 0.2.0" and len(calls) == 1
    assert DiskCache(tmp_path, release="0.2.0").get_or_build(key, build) == b"drawn by 0.2.0" and len(calls) == 1
