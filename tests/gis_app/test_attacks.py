"""The attacks of the security review, replayed against the real app and database: anonymous and
read-only check runs, runs without bound, guessed passwords, sessions that outlive sign-out, an
audit trail that could be rewritten."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from registry import audit
from registry.accounts import create_account, set_password

PASSWORD = "correct horse battery"


def csrf_of(client, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client),
                                       "next": "/"})


def test_check_runs_need_an_account_that_works_on_records(client, reg, token_for):
    assert client.post("/runs", json={"layers": ["outfalls"]}).status_code == 401
    assert client.post("/land/checks", json={}).status_code == 401
    viewer = token_for(("viewer",), username="ck", display_name="查看员")
    assert client.post("/runs", json={"layers": ["outfalls"]}, headers=viewer).status_code == 403
    auditor = token_for(("auditor",), username="sj", display_name="审计员")
    assert client.post("/runs", json={"layers": ["outfalls"]}, headers=auditor).status_code == 403
    assert client.get("/runs").get_json()["runs"] == [], "no refused request started a run"


def test_a_run_is_recorded_with_its_author_and_one_runs_at_a_time(client, reg, token_for):
    editor = token_for(("ecology",), username="hb", display_name="生态环境局")
    with reg.engine.begin() as conn:  # a run of this account still going (as a long province-wide run would be)
        conn.execute(text("INSERT INTO check_runs (status, data_version, author) "
                          "VALUES ('running', 0, '生态环境局 (hb)')"))
    busy = client.post("/runs", json={"layers": ["outfalls"]}, headers=editor)
    assert busy.status_code == 429 and int(busy.headers["Retry-After"]) > 0
    assert "尚未结束" in busy.get_json()["detail"]
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE check_runs SET status = 'done'"))
    started = client.post("/runs", json={"layers": ["outfalls"]}, headers=editor)
    assert started.status_code == 202
    assert started.get_json()["author"] == "生态环境局 (hb)", "the account, not 'web'"


def test_guessing_passwords_is_slowed_then_locked_and_recorded(client, reg):
    create_account(reg, "zp_hb", "漳浦县生态环境局", roles=["ecology"], password=PASSWORD)
    for _ in range(5):
        assert sign_in(client, "zp_hb", "wrong password").status_code == 401
    throttled = sign_in(client, "zp_hb", "wrong password")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "秒后重试" in throttled.get_data(as_text=True)
    with reg.engine.begin() as conn:  # five more failures, each after its wait
        conn.execute(text("INSERT INTO sign_in_attempts (username, address, ok, at) "
                          "SELECT 'zp_hb', '127.0.0.1', false, now() - interval '1 second' FROM generate_series(1, 5)"))
    locked = sign_in(client, "zp_hb")
    assert locked.status_code == 429, "locked: even the right password waits"
    assert int(locked.headers["Retry-After"]) > 14 * 60
    outcomes = [e["outcome"] for e in audit.entries(reg, action="sign_in")]
    assert outcomes.count("wrong_password") == 5 and outcomes.count("throttled") == 2


def test_a_success_resets_the_count(client, reg):
    create_account(reg, "zp_hb", "漳浦县生态环境局", roles=["ecology"], password=PASSWORD)
    for _ in range(4):
        sign_in(client, "zp_hb", "wrong password")
    assert sign_in(client, "zp_hb").status_code == 302
    assert sign_in(client, "zp_hb", "wrong password").status_code == 401, "not throttled after a success"


def _signed_in_cookie(client, reg) -> str:
    create_account(reg, "zp_hb", "漳浦县生态环境局", roles=["ecology"], password=PASSWORD)
    assert sign_in(client, "zp_hb").status_code == 302
    return client.get_cookie("session").value


def test_a_copied_cookie_is_dead_after_sign_out(app, client, reg):
    copied = _signed_in_cookie(client, reg)
    csrf = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.post("/collections/outfalls/items", json={"type": "Feature", "properties": {}, "geometry": None},
                          headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401, "the session ended on the server, whatever the cookie says"


def test_sessions_end_when_the_password_changes_and_when_idle(client, reg):
    _signed_in_cookie(client, reg)

    def write(browser) -> int:
        return browser.post("/collections/outfalls/items", headers={"X-CSRF-Token": csrf_of(browser)},
                            json={"type": "Feature", "properties": {}, "geometry": None}).status_code

    assert write(client) == 422, "signed in: the write reaches the rules"
    set_password(reg, "zp_hb", "a brand new secret")
    assert write(client) == 401, "a session begun before the password change has ended"
    assert sign_in(client, "zp_hb", "a brand new secret").status_code == 302
    assert write(client) == 422
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE sign_in_sessions SET last_seen = now() - interval '9 hours'"))
    assert write(client) == 401, "unused for more than 8 hours: ended"


def test_writes_and_downloads_are_audited_and_the_log_cannot_be_rewritten(client, reg, token_for):
    editor = token_for(("ecology",), username="hb", display_name="生态环境局")
    client.post("/collections/outfalls/items", json={"type": "Feature", "properties": {}, "geometry": None},
                headers=editor)
    entries = audit.entries(reg)
    assert entries[0]["actor"] == "生态环境局 (hb)" and entries[0]["action"] == "post"
    assert entries[0]["target"] == "/collections/outfalls/items" and entries[0]["outcome"] == "422"
    for statement in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), reg.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(audit.entries(reg)) == len(entries)


def test_only_auditors_read_the_log(client, reg, token_for):
    admin = token_for(("admin",), username="gly", display_name="管理员")
    assert client.get("/audit", headers=admin).status_code == 403, "administrators do not read the audit log"
    auditor = token_for(("auditor",), username="sj", display_name="审计员")
    log = client.get("/audit?f=json", headers=auditor)
    assert log.status_code == 200 and isinstance(log.get_json()["entries"], list)
    exported = client.get("/audit?f=csv", headers=auditor)
    assert exported.mimetype == "text/csv" and exported.get_data(as_text=True).startswith("\ufeffid,at,actor")
    assert client.post("/collections/outfalls/items", json={"type": "Feature", "properties": {}, "geometry": None},
                       headers=auditor).status_code == 403, "an auditor changes nothing"
    assert audit.entries(reg, action="export")[0]["target"] == "/audit?f=csv"
