"""Folium map builders: layers coloured by category, escaped popups, findings, 700 m circles.

The builders receive data (GeoDataFrames in EPSG:4490 or 4326 whose columns are named like the
model's attributes, plus ``fid``) and never query a database, so a page, a report and a notebook
draw a layer the same way. Everything a layer shows comes from its model: the title, the popup
fields and their Chinese labels, the code labels and the style field.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import Figure, MacroElement
from folium.plugins import Fullscreen, MarkerCluster, VectorGridProtobuf
from folium.template import Template
from folium.utilities import JsCode
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from analysis.engine import FINDING_COLOUR, SEVERITIES
from layers.base import AttrRule, Feature, layer_attributes
from maps.assets import localise
from maps.style import Category, Legend, MapTitle, categories, colour_of, style_key
from maps.text import escape
from registry.crs import lonlat_frame
from registry.tiles import Drawing, Tiled

Bounds = tuple[float, float, float, float]
"""(west, south, east, north) in degrees, the order of ``GeoDataFrame.total_bounds``."""

FUJIAN_BOUNDS: Bounds = (115.8, 23.5, 120.7, 28.3)
"""The province's extent (DOMAIN.md §1): the view of a map with nothing to fit."""

DEFAULT_ASSET_URL = "/static/vendor"
"""Where the app serves ``node_modules`` files (see :mod:`maps.assets`)."""

CLUSTER_THRESHOLD = 200
"""Point layers with more features than this are clustered, so the page stays responsive."""

CLUSTER_COLOUR = "#4A4A8C"
"""Vector-tile clusters (one circle per occupied cell at low zoom, see ``registry.tiles``): a dark indigo no
category uses, so a cluster is not read as a category."""

CLUSTER_LABEL = "聚合要素(点击查看个数,放大查看详情)"


_MISSING = "—"


@dataclass(frozen=True)
class BaseMap:
    """The base map, which is configuration: intranets may have their own tile server or none.

    The default has no tiles, so a page works with no network at all. ``labels_url`` is a second
    tile layer drawn over the first (Tianditu serves place names separately from the map).
    """

    url: str | None = None
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 18
    subdomains: str = "abc"
    labels_url: str | None = None

    @property
    def urls(self) -> tuple[str, ...]:
        """The tile URL templates, bottom first."""
        return tuple(u for u in (self.url, self.labels_url) if u)


def tianditu(key: str) -> BaseMap:
    """Tianditu (天地图) vector map with its annotation layer, in Web Mercator.

    Tianditu is CGCS2000, which equals WGS 84 at metre level, so registry geometries need no shift
    (unlike Amap tiles, which are GCJ-02). The key is a browser key and ends up in the page.
    """
    if not re.fullmatch(r"[0-9A-Za-z]+", key):
        raise ValueError("天地图密钥只能包含字母和数字 / a Tianditu key has letters and digits only")
    template = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
    return BaseMap(url=template.format(layer="vec", key=key), labels_url=template.format(layer="cva", key=key),
                   attribution="© 天地图", min_zoom=1, max_zoom=18, subdomains="01234567")


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


@dataclass(frozen=True)
class Page:
    """A rendered map page and the SHA-256 hashes (CSP source expressions) of its own inline scripts."""

    html: str
    script_hashes: tuple[str, ...]


class _PinnedFigure(Figure):
    """The page of a map, rendered so that its inline scripts can be allowed by hash and nothing else can.

    Folium writes two inline scripts: the switches in the head (built from our options, never data) and the
    map's code at the end. Their hashes are taken from the parts as rendered, before they are joined, so a
    ``<script>`` smuggled into the page through an escaping slip gets no hash and the browser refuses it.
    """

    def render(self, **kwargs: Any) -> str:
        for child in self._children.values():
            child.render(**kwargs)
        header, body = self.header.render(**kwargs), self.html.render(**kwargs)
        script = f"\n{self.script.render(**kwargs)}\n"
        inline = [m.group(1) for m in _INLINE_SCRIPT.finditer(header)] + [script]
        self.script_hashes = tuple(_sha256(code) for code in inline)
        title = f"<title>{self.title}</title>" if self.title else ""
        return (f"<!DOCTYPE html>\n<html>\n<head>\n{title}{header}\n</head>\n<body>\n{body}\n</body>\n"
                f"<script>{script}</script>\n</html>\n")


def _sha256(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def render_page(m: folium.Map) -> Page:
    """The map's HTML page with the hashes a Content-Security-Policy must list for it to run."""
    root = m.get_root()
    html = root.render()
    return Page(html, tuple(getattr(root, "script_hashes", ())))


class _LocalisedMap(folium.Map):
    """A map that points its JS/CSS links at the app when it renders, so plugins added after
    :func:`new_map` (a MarkerCluster, a vector-tile layer) are served locally too."""

    def __init__(self, asset_url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.asset_url = asset_url

    def render(self, **kwargs: Any) -> None:
        localise(self, self.asset_url)
        super().render(**kwargs)


class _Controls(MacroElement):
    """Zoom buttons with Chinese titles and a metric-only scale; folium's own have English text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.zoom({zoomInTitle: "放大", zoomOutTitle: "缩小"}).addTo({{ this._parent.get_name() }});
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def new_map(base: BaseMap, bounds: Bounds | None = None, *, title: str | None = None,
            asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """An empty map fitted to ``bounds`` (Fujian when None), with local assets and Chinese controls."""
    west, south, east, north = bounds or FUJIAN_BOUNDS
    m = _LocalisedMap(asset_url, location=[(south + north) / 2, (west + east) / 2], zoom_start=7,
                      tiles=None, zoom_control=False, prefer_canvas=True)
    _PinnedFigure().add_child(m)
    m.options.update(minZoom=base.min_zoom, maxZoom=base.max_zoom)  # folium passes its own only to its tiles
    for i, url in enumerate(base.urls):
        folium.TileLayer(url, name=f"底图{i + 1}", attr=escape(base.attribution) or "底图",
                         subdomains=base.subdomains, min_zoom=base.min_zoom, max_zoom=base.max_zoom,
                         control=False).add_to(m)
    _Controls().add_to(m)
    Fullscreen(title="全屏", title_cancel="退出全屏").add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    if title:
        MapTitle(title).add_to(m)
        m.get_root().title = escape(title)
    return m


def add_layer(m: folium.Map, model: type[Feature], gdf: gpd.GeoDataFrame, *, show: bool = True,
              cluster_threshold: int = CLUSTER_THRESHOLD,
              service_radius_m: float | None = None) -> folium.FeatureGroup:
    """Draw a layer's features as one toggleable group named by its Chinese title, with its legend.

    Points are circle markers (clustered above ``cluster_threshold``); a layer's service features
    (``LayerMeta.service_features``, e.g. community eldercare stations) also get a circle of the layer's
    service radius (or ``service_radius_m``), drawn outside the cluster so the covered area stays visible at every zoom.
    """
    meta = model.__layer__
    gdf = to_lonlat(gdf)
    styles = gdf[meta.style_field] if meta.style_field in gdf else [None] * len(gdf)
    found = categories(model, styles)
    colours = [colour_of(found, v) for v in styles]
    group = folium.FeatureGroup(name=meta.title_zh, show=show).add_to(m)
    draw_features(group, gdf, colours, _popups(model, gdf), _tooltips(model, gdf), cluster_threshold=cluster_threshold)

    entries = list(found.values())
    radius = service_radius_m or meta.service_radius_m
    attribute, codes = meta.service_features or ("", ())
    if radius and attribute in gdf:
        stations = (gdf[attribute].isin(codes) & (gdf.geom_type == "Point")).to_numpy()
        for geom, colour, station in zip(gdf.geometry, colours, stations, strict=True):
            if station:
                folium.Circle([geom.y, geom.x], radius=radius, color=colour, weight=1,
                              dash_array="4 4", fill=True, fill_color=colour, fill_opacity=0.08,
                              interactive=False).add_to(group)
        if stations.any():
            entries.append(Category(f"社区养老服务站服务半径 {radius:g} 米", colour_of(found, codes[0]), "ring"))
    if entries and len(gdf):
        Legend(meta.title_zh, entries).add_to(group)
    return group


def _severity_label(severity: Any) -> str:
    """The Chinese name of a known severity; another is shown as stored."""
    return SEVERITIES[severity].zh if severity in SEVERITIES else as_text(severity, None)


def add_findings(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str = "检查发现的问题",
                 show: bool = True) -> folium.FeatureGroup:
    """Draw check findings in red, over the layers: a run's findings frame (``check_id``, ``severity``,
    ``message_zh``) as ``analysis.runs.Run.findings()`` gives it, or any frame with a ``message``."""
    gdf = to_lonlat(gdf)
    messages = gdf["message_zh"] if "message_zh" in gdf else gdf["message"]
    popups = [popup_html(name, [("检查规则", as_text(check_id, None)),
                                ("严重程度", _severity_label(severity)),
                                ("说明", as_text(message, None))])
              for check_id, severity, message in zip(gdf["check_id"], gdf["severity"], messages, strict=True)]
    tooltips = [escape(as_text(message, None)) for message in messages]
    group = folium.FeatureGroup(name=name, show=show).add_to(m)
    draw_features(group, gdf, [FINDING_COLOUR] * len(gdf), popups, tooltips,
                  cluster_threshold=CLUSTER_THRESHOLD, emphasis=True)
    Legend(name, [Category(name, FINDING_COLOUR)]).add_to(group)
    return group


def add_tile_layer(m: folium.Map, model: type[Feature], url: str, *, source_layer: str | None = None,
                   show: bool = True) -> VectorGridProtobuf:
    """A big layer as vector tiles (DESIGN.md: never one huge embedded GeoJSON), styled like
    :func:`add_layer`; the tiles must carry the style and popup fields as feature properties.

    ``url`` is the app's tile URL template (``.../{z}/{x}/{y}.pbf``); ``source_layer`` is the layer
    name inside the tiles, the layer's name by default. Popups are built from DOM text nodes, so
    tile properties are never parsed as HTML.
    """
    if re.search(r"[\s'\"\\<>]", url):
        raise ValueError(f"tile URL template must not contain quotes, spaces or angle brackets: {url!r}")
    meta = model.__layer__
    found = categories(model)
    colours = {code: c.colour for code, c in found.items() if code}
    fallback = colour_of(found, None)
    style = (f"function (p) {{ if (p.count !== undefined) {{ return {_cluster_style()}; }}"
             f" var c = {htmlsafe_json_dumps(colours)}[p[{htmlsafe_json_dumps(meta.style_field)}]]"
             f" || {htmlsafe_json_dumps(fallback)}; return {{fill: true, fillColor: c, fillOpacity: 0.5, color: c,"
             " weight: 1, radius: 5}; }")
    options = (f"{{interactive: true, rendererFactory: L.canvas.tile, vectorTileLayerStyles: "
               f"{{{htmlsafe_json_dumps(source_layer or meta.name)}: {style}}}}}")
    layer = VectorGridProtobuf(url, meta.title_zh, options, show=show).add_to(m)
    _TilePopups(model).add_to(layer)
    Legend(meta.title_zh, [*found.values(), Category(CLUSTER_LABEL, CLUSTER_COLOUR, "point")]).add_to(layer)
    return layer


def _cluster_style() -> str:
    """A cluster's circle (JavaScript, ``p`` its properties): 2 px for one feature, growing with the
    logarithm of the count to 10 px at 10,000, so dense places stand out without hiding their neighbours."""
    colour = htmlsafe_json_dumps(CLUSTER_COLOUR)
    return ("{fill: true, fillColor: " + colour + ", fillOpacity: 0.6, color: " + colour + ", weight: 1,"
            " radius: Math.min(2 + 2 * Math.log10(p.count), 10)}")


def layer_map(model: type[Feature], gdf: gpd.GeoDataFrame, base: BaseMap, *,
              asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """One layer on its own page, titled with its Chinese name and fitted to its features."""
    gdf = to_lonlat(gdf)
    m = new_map(base, bounds_of([gdf]), title=model.__layer__.title_zh, asset_url=asset_url)
    add_layer(m, model, gdf)
    return m


def draw(m: folium.Map, model: type[Feature], drawing: Drawing, *, show: bool = True) -> Any:
    """A layer as :func:`registry.tiles.drawing` decided: embedded features, or its vector tiles."""
    if isinstance(drawing, Tiled):
        return add_tile_layer(m, model, drawing.url, show=show)
    return add_layer(m, model, drawing, show=show)


def combined_map(layers: Sequence[tuple[type[Feature], Drawing]], base: BaseMap,
                 findings: gpd.GeoDataFrame | None = None, *, title: str = "综合地图",
                 bounds: Bounds | None = None, asset_url: str = DEFAULT_ASSET_URL) -> folium.Map:
    """Several layers and, on top, the findings, each switchable in a Chinese layer control.

    Tiled layers are drawn under the embedded ones. The view fits ``bounds``, else the embedded data
    (tiles have no extent to read).
    """
    frames = [(model, d if isinstance(d, Tiled) else to_lonlat(d)) for model, d in layers]
    if findings is not None:
        findings = to_lonlat(findings)
    embedded = [d for _, d in frames if not isinstance(d, Tiled)]
    m = new_map(base, bounds or bounds_of(embedded + ([findings] if findings is not None else [])),
                title=title, asset_url=asset_url)
    for model, d in sorted(frames, key=lambda pair: not isinstance(pair[1], Tiled)):
        draw(m, model, d)
    if findings is not None:
        add_findings(m, findings)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


# --------------------------------------------------------------------------- drawing


_BIND = JsCode("""function (feature, layer) {
    layer.bindPopup(feature.properties.popup, {maxWidth: 360});
    layer.bindTooltip(feature.properties.tooltip, {sticky: true});
}""")


def draw_features(group: folium.FeatureGroup, gdf: gpd.GeoDataFrame, colours: Sequence[str],
                  popups: Sequence[str], tooltips: Sequence[str], *, cluster_threshold: int,
                  emphasis: bool = False) -> None:
    """Points as one circle marker each (what a cluster needs); other shapes as a single GeoJSON
    layer (multi-points as circle markers), whose popups and tooltips are the already-escaped HTML
    carried in its properties."""
    weight = 3 if emphasis else 1
    is_point = (gdf.geom_type == "Point").to_numpy()
    target = MarkerCluster(control=False).add_to(group) if is_point.sum() > cluster_threshold else group
    shapes = []
    for geom, point, colour, popup, tooltip in zip(gdf.geometry, is_point, colours, popups, tooltips, strict=True):
        if point:
            folium.CircleMarker([geom.y, geom.x], radius=7 if emphasis else 6,
                                color=colour if emphasis else "#333333", weight=weight,
                                fill=True, fill_color=colour, fill_opacity=0.9,
                                popup=folium.Popup(popup, max_width=360),
                                tooltip=folium.Tooltip(tooltip)).add_to(target)
        else:
            style = {"color": colour, "weight": weight, "fillColor": colour, "fillOpacity": 0.25 if emphasis else 0.45}
            if emphasis:
                style["dashArray"] = "6 4"
            shapes.append({"type": "Feature", "geometry": mapping(geom),
                           "properties": {"style": style, "popup": popup, "tooltip": tooltip}})
    if shapes:
        folium.GeoJson({"type": "FeatureCollection", "features": shapes}, control=False, on_each_feature=_BIND,
                       marker=folium.CircleMarker(radius=7, fill=True, fill_opacity=0.9)).add_to(group)


def _popups(model: type[Feature], gdf: gpd.GeoDataFrame) -> list[str]:
    """Each feature's popup: its ``popup_fields`` under their Chinese labels, codes by their labels."""
    meta = model.__layer__
    rules = layer_attributes(model)
    fields = [f for f in meta.popup_fields if f in gdf]
    return [popup_html(meta.title_zh, [(rules[f].zh if f in rules else f, as_text(value, rules.get(f)))
                                       for f, value in zip(fields, values, strict=True)])
            for values in gdf[fields].itertuples(index=False, name=None)]


def _tooltips(model: type[Feature], gdf: gpd.GeoDataFrame) -> list[str]:
    label = model.__layer__.label_field
    if label in gdf:
        return [escape(as_text(v, None)) for v in gdf[label]]
    return [escape(model.__layer__.title_zh)] * len(gdf)


def popup_html(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    cells = "".join(f'<tr><th style="text-align:left;padding-right:8px;white-space:nowrap">{escape(label)}</th>'
                    f"<td>{escape(value)}</td></tr>" for label, value in rows)
    return f'<div class="fujian-popup"><b>{escape(title)}</b><table>{cells}</table></div>'


def as_text(value: Any, rule: AttrRule | None) -> str:
    """A value as a reader expects it: codes by their Chinese label, dates as dates, no float noise."""
    key = style_key(value)
    if not key:
        return _MISSING
    if rule is not None and rule.codes is not None:
        return rule.codes.label(key)
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.10g}"
    return key


class _TilePopups(MacroElement):
    """Click popups for a vector-tile layer, built from text nodes (tile properties are data, not HTML); a
    cluster's popup says how many features it stands for ("12 个要素") and its sums."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        // VectorGrid 1.3 predates Leaflet 1.8: its canvas tiles call the removed L.DomEvent.fakeStop on a
        // click, and Leaflet now asks a small clicked circle for its latlng, which a tile's point lacks.
        L.DomEvent.fakeStop = L.DomEvent.fakeStop || function (e) { e._stopped = true; };
        if (!L.Map.prototype._fujianTilePoints) {
            L.Map.prototype._fujianTilePoints = L.Map.prototype._fireDOMEvent;
            L.Map.prototype._fireDOMEvent = function (e, type, targets) {
                (targets || []).forEach(function (t) {
                    if (t.properties && t._point) { t._latlng = this.mouseEventToLatLng(e); }
                }, this);
                return this._fujianTilePoints(e, type, targets);
            };
        }
        {{ this._parent.get_name() }}.on("click", function (e) {
            var p = e.layer.properties;
            var box = L.DomUtil.create("div", "fujian-popup");
            L.DomUtil.create("b", "", box).textContent = {{ this.title|tojson }};
            var table = L.DomUtil.create("table", "", box);
            var addRow = function (label, text) {
                var row = table.insertRow();
                var th = L.DomUtil.create("th", "", row);
                th.style.cssText = "text-align:left;padding-right:8px;white-space:nowrap";
                th.textContent = label;
                row.insertCell().textContent = text;
            };
            if (p.count !== undefined) {
                L.DomUtil.create("div", "", box).textContent = p.count + " 个要素";
                var labels = {{ this.labels|tojson }};
                Object.keys(p).forEach(function (name) {
                    if (labels[name] !== undefined) { addRow(labels[name] + "(合计)", String(p[name])); }
                });
            } else {
                {{ this.fields|tojson }}.forEach(function (f) {
                    var v = p[f.name];
                    if (v === undefined) { return; }
                    addRow(f.label, (v === null || v === "") ? {{ this.missing|tojson }}
                        : (f.codes && f.codes[v] !== undefined ? f.codes[v] : String(v)));
                });
            }
            L.popup({maxWidth: 360}).setLatLng(e.latlng).setContent(box).openOn(e.target._map);
        });
        {% endmacro %}
    """)

    def __init__(self, model: type[Feature]):
        super().__init__()
        self._name = "TilePopups"
        rules = layer_attributes(model)
        self.title = model.__layer__.title_zh
        self.missing = _MISSING
        self.labels = {name: rule.zh for name, rule in rules.items()}  # a cluster's other properties are sums
        self.fields = [{"name": f, "label": rules[f].zh if f in rules else f,
                        "codes": {c.code: c.zh for c in rules[f].codes} if f in rules and rules[f].codes else None}
                       for f in model.__layer__.popup_fields]


# --------------------------------------------------------------------------- data


def to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Features with a geometry, in longitude/latitude (:func:`registry.crs.lonlat_frame`)."""
    gdf = lonlat_frame(gdf)
    return gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]


def bounds_of(frames: Iterable[gpd.GeoDataFrame]) -> Bounds | None:
    """The extent of all features, padded so a single point does not zoom the map to its maximum."""
    boxes = [f.total_bounds for f in frames if len(f)]
    if not boxes:
        return None
    pad = 0.005
    return (min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad,
            max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad)
