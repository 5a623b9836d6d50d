"""Escaping of user text for the places folium puts it.

folium writes popup and tooltip HTML into JavaScript template literals (`` `...` ``) inside a
``<script>`` element, so text there must be safe twice: as HTML, and as the body of a template
literal, where ``${...}`` runs code and a backslash or backtick ends or bends the string. HTML
entities show those characters to the reader without either effect.
"""

from __future__ import annotations

import html

_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape(value: object) -> str:
    """``value`` as HTML text that is also inert inside a JavaScript template literal."""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL)
