"""The app factory: configuration from the test config and the environment."""

from __future__ import annotations

from gis_app import create_app


def test_config_is_taken_from_the_test_config(db_url):
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "EDIT_TOKENS": {"abc": "tester"}})
    assert app.testing and app.config["EDIT_TOKENS"] == {"abc": "tester"}
    assert app.extensions["registry"].engine.url.database == db_url.rsplit("/", 1)[1]


def test_tokens_come_from_the_environment(monkeypatch, db_url):
    monkeypatch.setenv("FUJIAN_EDIT_TOKENS", "s3cret:王五, other:赵六")
    app = create_app({"DATABASE_URL": db_url})
    assert app.config["EDIT_TOKENS"] == {"s3cret": "王五", "other": "赵六"}
