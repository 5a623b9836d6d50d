"""Colours per category, legends and titles: how a layer explains itself on a map, in Chinese.

A category's colour comes from its position in the layer's code list, not from the data at hand, so
"社区居家养老服务站(点)" has the same colour on every map, whichever facilities a page shows.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import folium
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from layers.base import Feature, layer_attributes
from maps.text import escape

PALETTE: tuple[str, ...] = (
    # Paul Tol's "muted" qualitative scheme: distinct under the common colour-vision deficiencies
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
    # then hues muted lacks, for the code lists longer than nine (facility types have ten)
    "#EE8866", "#4477AA", "#BBCC33",
)
"""Category colours in code-list order; a list longer than the palette reuses colours from the start."""

UNCLASSIFIED_COLOUR = "#DDDDDD"
UNCLASSIFIED_LABEL = "未分类"

_SHAPES = {"POINT": "point", "MULTIPOINT": "point", "LINESTRING": "line", "MULTILINESTRING": "line"}


@dataclass(frozen=True)
class Category:
    """One legend entry: what the reader sees (Chinese label) and how it is drawn."""

    label: str
    colour: str
    shape: str = "area"
    """``point``, ``line``, ``area`` or ``ring`` (an outlined circle such as a service radius)."""


def style_key(value: Any) -> str:
    """The category key of one style-field value; missing values (None, NaN, "") share the key ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def categories(model: type[Feature], values: Iterable[Any] | None = None) -> dict[str, Category]:
    """The categories of ``model``'s style field that occur in ``values``, keyed by :func:`style_key`.

    ``values=None`` lists the whole code list, for vector tiles, whose data the page never holds.
    A layer without a style field has one category, its title. Colours are taken in code-list order
    from a starting point derived from the layer's name, so layers on a combined map differ.
    """
    meta = model.__layer__
    shape = _SHAPES.get((meta.geometry_type or "").upper(), "area")
    # Each layer starts at its own place in the palette, so two layers on one map rarely share colours.
    offset = zlib.crc32(meta.name.encode()) % len(PALETTE)
    if meta.style_field is None:
        return {"": Category(meta.title_zh, PALETTE[offset], shape)}
    present = None if values is None else {style_key(v) for v in values}
    codes = layer_attributes(model)[meta.style_field].codes
    # Without a code list, colour the distinct values in sorted order: stable for a given data set only.
    if codes is not None:
        ordered = [(c.code, c.zh) for c in codes]
    else:
        ordered = [(k, k) for k in sorted((present or set()) - {""})]
    found = {code: Category(label, PALETTE[(offset + i) % len(PALETTE)], shape)
             for i, (code, label) in enumerate(ordered)
             if present is None or code in present}
    if present is not None and present - found.keys():
        found[""] = Category(UNCLASSIFIED_LABEL, UNCLASSIFIED_COLOUR, shape)
    return found


def colour_of(found: dict[str, Category], value: Any) -> str:
    """The colour of one feature, given the categories of its layer."""
    category = found.get(style_key(value)) or found.get("")
    return category.colour if category else UNCLASSIFIED_COLOUR


class Legend(MacroElement):
    """A legend box that follows its layer: it shows while the layer is on the map and hides with it.

    Add it to a layer (or to the map for a legend that always shows). The text is HTML-escaped here
    and the box reaches the page as a JSON string, so no label can break out into markup or script.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "fujian-legend");
                box.innerHTML = {{ this.html|tojson }};
                return box;
            };
            var owner = {{ this._parent.get_name() }};
            {%- if this.on_map %}
            legend.addTo(owner);
            {%- else %}
            owner.on("add", function () { legend.addTo(owner._map); });
            owner.on("remove", function () { legend.remove(); });
            if (owner._map) { legend.addTo(owner._map); }
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, entries: Iterable[Category]):
        super().__init__()
        self._name = "Legend"
        rows = "".join(f'<div style="white-space:nowrap">{_swatch(e)} {escape(e.label)}</div>' for e in entries)
        self.html = (
            '<div style="background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.3);'
            'font-size:12px;line-height:20px;max-height:40vh;overflow-y:auto">'
            f"<b>{escape(title)}</b>{rows}</div>"
        )

    def render(self, **kwargs: Any) -> None:
        self.on_map = isinstance(self._parent, folium.Map)
        super().render(**kwargs)


class MapTitle(MacroElement):
    """The page's heading, centred at the top of the map; set as text, never parsed as HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.DomUtil.create("div", "fujian-map-title", {{ this._parent.get_name() }}.getContainer());
            box.style.cssText = "position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;"
                + "background:rgba(255,255,255,.9);padding:4px 12px;border-radius:4px;font-size:16px;"
                + "font-weight:bold;box-shadow:0 0 4px rgba(0,0,0,.3);pointer-events:none";
            box.textContent = {{ this.text|tojson }};
        })();
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "MapTitle"
        self.text = text


def _swatch(entry: Category) -> str:
    colour = escape(entry.colour)
    box = "display:inline-block;vertical-align:middle;margin-right:4px;"
    if entry.shape == "point":
        return f'<i style="{box}width:10px;height:10px;border-radius:50%;background:{colour};' \
               'border:1px solid #555"></i>'
    if entry.shape == "line":
        return f'<i style="{box}width:16px;height:0;border-top:3px solid {colour}"></i>'
    if entry.shape == "ring":
        return f'<i style="{box}width:12px;height:12px;border-radius:50%;border:1px dashed {colour}"></i>'
    return f'<i style="{box}width:14px;height:12px;background:{colour};opacity:.7;border:1px solid {colour}"></i>'
