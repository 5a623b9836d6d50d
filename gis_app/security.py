"""Response headers that make the browser refuse what the pages never need: framing by other sites,
MIME sniffing, scripts or styles from anywhere but this app, referrers leaking to tile servers."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix


def _tile_origins(app: Flask) -> list[str]:
    """Origins of the configured base map, the only outside source images may come from."""
    url = app.config.get("BASEMAP_URL") or ""
    if app.config.get("TIANDITU_KEY"):
        return ["https://*.tianditu.gov.cn"]
    if not url:
        return []
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return [f"{parts.scheme}://{host}"]


class SecureWhenHttps(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (directly, or through a
    trusted reverse proxy's ``X-Forwarded-Proto``), and always with ``FUJIAN_SECURE_COOKIES=1``."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def allow_scripts(hashes: Iterable[str]) -> None:
    """Let this response run the inline scripts with these hashes (a map page's own, :func:`maps.render_page`)."""
    g.script_hashes = (*g.get("script_hashes", ()), *hashes)


def policy(img: str, script_hashes: Iterable[str]) -> str:
    """The Content-Security-Policy: scripts from this app, and inline only those a page declared by hash, so
    markup that slipped through escaping cannot run (no ``'unsafe-inline'``, no event-handler attributes).
    Inline styles stay allowed: Leaflet positions every tile and marker with a ``style`` attribute."""
    scripts = " ".join(["'self'", *dict.fromkeys(script_hashes)])
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; "
            f"form-action 'self'; base-uri 'self'; object-src 'none'")


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # only then are X-Forwarded-For/-Proto believed: anyone can send them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.session_interface = SecureWhenHttps()
    img = " ".join(["'self'", "data:", "blob:", *_tile_origins(app)])

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy(img, g.get("script_hashes", ())))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
