"""The production web server: gunicorn, threaded workers, one app per worker process.

Chosen over waitress with figures (docs/security.md): waitress reads a whole request body before the
app sees it, so an anonymous 150 MB upload was received in full before its 401; gunicorn hands the
body to the app as a stream, so the app refuses missing credentials, or a ``Content-Length`` over the
upload limit, after the headers, and a body the app did not read closes the connection instead of being
drained for the next request.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

TIMEOUT_S = 300
"""A worker silent this long is restarted; above the slowest page (a first report is built in the request)."""


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from gis_app import create_app

        return create_app()  # in each worker, after the fork: no database connection is shared


def run_server(*, host: str, port: int, workers: int = 2, threads: int = 8) -> None:
    """Serve :func:`gis_app.create_app` until stopped (SIGTERM or Ctrl-C)."""
    _Server({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
             "timeout": TIMEOUT_S, "graceful_timeout": 30, "errorlog": "-", "loglevel": "warning"}).run()
