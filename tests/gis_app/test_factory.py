"""The app factory: configuration from the test config and the environment."""

from __future__ import annotations

from gis_app import create_app


def test_config_is_taken_from_the_test_config(db_url):
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "BASEMAP_URL": "http://tiles.local/{z}/{x}/{y}.png"})
    assert app.testing and app.config["BASEMAP_URL"].startswith("http://tiles.local")
    assert app.extensions["registry"].engine.url.database == db_url.rsplit("/", 1)[1]


def test_secret_key_comes_from_the_environment_or_is_random(monkeypatch, db_url):
    monkeypatch.setenv("FUJIAN_SECRET_KEY", "k" * 40)
    assert create_app({"DATABASE_URL": db_url}).secret_key == "k" * 40
    monkeypatch.delenv("FUJIAN_SECRET_KEY")
    first, second = create_app({"DATABASE_URL": db_url}), create_app({"DATABASE_URL": db_url})
    assert first.secret_key != second.secret_key and len(first.secret_key) == 64
