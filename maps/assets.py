"""Every JavaScript and CSS file a map page loads, served by the app itself.

Government intranets have no internet, so the CDN links folium writes into its pages are rewritten to
files installed from npm (``package.json``) that the app serves under one base URL. Two folium
assets have no npm equivalent and are dropped rather than replaced:

- ``glyphicons_css`` (Bootstrap 3 glyphicons) only draws ``folium.Icon(prefix="glyphicon")`` markers;
  these maps draw circle markers, and an icon marker, if ever needed, should use ``prefix="fa"``
  (Font Awesome is served locally).
- ``awesome_rotate_css`` only serves ``folium.Icon(angle=...)``, which these maps never use.

An asset name that is neither mapped nor dropped raises ``KeyError`` in :func:`localise`: a folium
upgrade that adds a CDN link then fails the tests instead of silently leaking a request to the
internet.
"""

from __future__ import annotations

from collections.abc import Iterator

from branca.element import Element

ASSETS: dict[str, str] = {
    # folium.Map
    "leaflet": "leaflet/dist/leaflet.js",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/dist/leaflet.awesome-markers.min.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    # folium.plugins.MarkerCluster
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    # folium.plugins.Fullscreen (the npm package ships no minified build)
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    # folium.plugins.VectorGridProtobuf (the bundle includes its protobuf decoder)
    "vectorGrid": "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.js",
}
"""folium asset name → file under ``node_modules``."""

DROPPED: frozenset[str] = frozenset({"glyphicons_css", "awesome_rotate_css"})
"""folium assets with no npm equivalent that no map here needs (see the module docstring)."""

_REFERENCED: frozenset[str] = frozenset({
    # url(...) references inside the stylesheets above, resolved relative to each stylesheet
    "leaflet/dist/images/layers.png",
    "leaflet/dist/images/layers-2x.png",
    "leaflet/dist/images/marker-icon.png",
    "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/dist/images/marker-shadow.png",
    "@fortawesome/fontawesome-free/webfonts/fa-brands-400.ttf",
    "@fortawesome/fontawesome-free/webfonts/fa-brands-400.woff2",
    "@fortawesome/fontawesome-free/webfonts/fa-regular-400.ttf",
    "@fortawesome/fontawesome-free/webfonts/fa-regular-400.woff2",
    "@fortawesome/fontawesome-free/webfonts/fa-solid-900.ttf",
    "@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2",
    "@fortawesome/fontawesome-free/webfonts/fa-v4compatibility.ttf",
    "@fortawesome/fontawesome-free/webfonts/fa-v4compatibility.woff2",
    "leaflet.awesome-markers/dist/images/markers-shadow.png",
    "leaflet.awesome-markers/dist/images/markers-shadow@2x.png",
    "leaflet.awesome-markers/dist/images/markers-soft.png",
    "leaflet.awesome-markers/dist/images/markers-soft@2x.png",
    "leaflet.fullscreen/icon-fullscreen.svg",
})


def asset_paths() -> set[str]:
    """The ``node_modules``-relative files the app must serve: the assets and the images and fonts
    their stylesheets load (source maps are left out: only browser developer tools ask for them)."""
    return set(ASSETS.values()) | _REFERENCED


def localise(element: Element, base_url: str) -> None:
    """Point ``element``'s and all its descendants' JS/CSS links at ``{base_url}/{path}``.

    Sets instance attributes: folium's ``add_js_link`` would mutate the lists shared by every
    instance of the class.
    """
    base = base_url.rstrip("/")
    for node in _walk(element):
        for attribute in ("default_js", "default_css"):
            links = getattr(node, attribute, None)
            if links:
                setattr(node, attribute, [(name, f"{base}/{_path(name)}") for name, _ in links
                                          if name not in DROPPED])


def _path(name: str) -> str:
    try:
        return ASSETS[name]
    except KeyError:
        raise KeyError(f"folium asset {name!r} has no local copy: map it in maps.assets.ASSETS "
                       "or list it in DROPPED") from None


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)
