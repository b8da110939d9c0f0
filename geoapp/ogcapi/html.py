"""HTML pages of the API: the context handed to the site's templates (templates/ogcapi/)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from geoapp.i18n import format_number, translate
from geoapp.ogcapi.collections import Layer
from geoapp.ogcapi.query import ItemsQuery
from geoapp.ogcapi.request import HtmlPage, OgcRequest

STATUS_SUFFIX = "_status"


def page(req: OgcRequest, template: str, title: str, doc: dict, **context) -> HtmlPage:
    """Return a page with its title, breadcrumbs, JSON link and document."""
    crumbs = [{"title": translate("ogcapi_nav", req.lang), "href": req.url("/", f="html")}]
    return HtmlPage(f"ogcapi/{template}", {
        "title": title,
        "doc": doc,
        "json_url": req.self_url(f="json"),
        "crumbs": crumbs + context.pop("crumbs", []),
        **context,
    })


def display(value, lang: str) -> str:
    """Return a property value as shown on a page: numbers in the language's format, codes as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return format_number(value, lang, 0 if float(value).is_integer() else None)
    return str(value)


def property_rows(properties: dict, lang: str) -> list[dict]:
    """Return [{name, value, status}] of a feature's properties; a *_status property labels its value."""
    rows = []
    for name, value in properties.items():
        if name.endswith(STATUS_SUFFIX) and name[: -len(STATUS_SUFFIX)] in properties:
            continue
        rows.append({"name": name, "value": display(value, lang), "status": properties.get(name + STATUS_SUFFIX)})
    return rows


def collection_crumbs(req: OgcRequest, layer: Layer) -> list[dict]:
    return [
        {"title": translate("ogcapi_collections", req.lang), "href": req.url("/collections", f="html")},
        {"title": layer.id, "href": req.url(f"/collections/{layer.id}", f="html")},
    ]


def landing(req: OgcRequest, doc: dict) -> HtmlPage:
    return page(req, "landing.html", doc["title"], doc, api_url=req.base_url)


def conformance(req: OgcRequest, doc: dict) -> HtmlPage:
    return page(req, "conformance.html", translate("ogcapi_conformance", req.lang), doc)


def collections(req: OgcRequest, doc: dict) -> HtmlPage:
    return page(req, "collections.html", translate("ogcapi_collections", req.lang), doc,
                crumbs=[{"title": translate("ogcapi_collections", req.lang), "href": req.url("/collections", f="html")}])


def collection(req: OgcRequest, doc: dict, layer: Layer) -> HtmlPage:
    return page(req, "collection.html", doc["title"], doc, crumbs=collection_crumbs(req, layer),
                items_url=req.url(f"/collections/{layer.id}/items", f="html"),
                queryables_url=req.url(f"/collections/{layer.id}/queryables", f="html"))


def queryables(req: OgcRequest, doc: dict, layer: Layer) -> HtmlPage:
    rows = [{"name": name, **spec} for name, spec in doc["properties"].items()]
    return page(req, "queryables.html", translate("ogcapi_queryables", req.lang) + f" · {layer.id}", doc,
                rows=rows, crumbs=collection_crumbs(req, layer))


def items(req: OgcRequest, doc: dict, layer: Layer, query: ItemsQuery) -> HtmlPage:
    features = [
        {"id": f["id"], "href": req.url(f"/collections/{layer.id}/items/{f['id']}", f="html"),
         "rows": property_rows(f["properties"], req.lang)}
        for f in doc["features"]
    ]
    columns = [row["name"] for row in features[0]["rows"]] if features else []
    links = {link["rel"]: req.self_url(f="html", limit=query.limit, offset=offset_of(link["href"]))
             for link in doc["links"] if link["rel"] in ("next", "prev")}
    clamped = translate("ogcapi_limit_clamped", req.lang, requested=query.requested_limit, applied=query.limit) if query.clamped else ""
    return page(req, "items.html", translate("ogcapi_items", req.lang) + f" · {layer.id}", doc,
                features=features, columns=columns, next_url=links.get("next"), prev_url=links.get("prev"),
                offset=query.offset, clamped=clamped, crumbs=collection_crumbs(req, layer))


def offset_of(href: str) -> int:
    """Return the offset parameter of a paging link."""
    return int(parse_qs(urlsplit(href).query).get("offset", ["0"])[0])


def item(req: OgcRequest, doc: dict, layer: Layer) -> HtmlPage:
    crumbs = collection_crumbs(req, layer) + [
        {"title": translate("ogcapi_items", req.lang), "href": req.url(f"/collections/{layer.id}/items", f="html")}
    ]
    return page(req, "item.html", str(doc["id"]), doc, rows=property_rows(doc["properties"], req.lang), crumbs=crumbs)


def openapi(req: OgcRequest, doc: dict) -> HtmlPage:
    params = doc["components"]["parameters"]
    paths = []
    for path, spec in doc["paths"].items():
        names = []
        for p in spec["get"]["parameters"]:
            names.append(params[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"])
        paths.append({"path": path, "summary": spec["get"]["summary"], "parameters": names})
    return page(req, "openapi.html", translate("ogcapi_api_document", req.lang), doc, paths=paths)
