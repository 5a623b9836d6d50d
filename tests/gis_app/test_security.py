"""Accounts and roles, jurisdiction enforced by the database, sessions with CSRF, safe input,
security headers, and concurrent writers that never lose an accepted change."""

from __future__ import annotations

import threading

import pytest
from shapely.geometry import Point
from sqlalchemy import text

from demo import fujian_counties
from registry.accounts import create_account, issue_token, revoke_token

ZHANGPU, ZHAOAN = "350623", "350624"
IN_ZHANGPU, IN_ZHAOAN = Point(117.62, 24.12), Point(117.18, 23.72)
OUTFALL = {"code": "C-1", "name": "绥安排口", "county_code": ZHANGPU, "receiving_kind": "river",
           "outfall_class": "industrial", "status": "surveyed"}


def feature(props: dict, point: Point | None = None) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": None if point is None else {"type": "Point", "coordinates": [point.x, point.y]}}


@pytest.fixture
def counties(reg):
    """The real boundaries of 漳浦县 and 诏安县, as the jurisdiction check uses them."""
    frame = fujian_counties().query("code in @codes", local_dict={"codes": [ZHANGPU, ZHAOAN]})
    frame = frame.assign(level="county", parent_code="350600")[["code", "name", "level", "parent_code", "geometry"]]
    reg.layer("admin_divisions").import_frame(frame, source="test counties")
    assert reg.layer("admin_divisions").count() == 2
    assert frame.set_index("code").loc[ZHANGPU, "geometry"].contains(IN_ZHANGPU)
    assert frame.set_index("code").loc[ZHAOAN, "geometry"].contains(IN_ZHAOAN)


def test_each_department_edits_only_its_layers(client, token_for):
    ecology = token_for(("ecology",), username="hb", display_name="生态环境局")
    assert client.post("/collections/outfalls/items", json=feature(OUTFALL, IN_ZHANGPU),
                       headers=ecology).status_code == 201
    parcel = {"approval_fid": 1, "land_class": "水浇地", "ownership": "collective", "declared_ha": 1}
    refused = client.post("/collections/land_parcels/items", json=feature(parcel), headers=ecology)
    assert refused.status_code == 403 and "自然资源部门编辑" in refused.get_json()["detail"]
    zone = {"name": "水源区", "zone_type": "drinking_water_source"}
    assert client.post("/collections/protected_zones/items", json=feature(zone),
                       headers=ecology).status_code == 403, "reference layers belong to administrators"
    viewer = token_for(("viewer",), username="ck", display_name="查看员")
    assert client.post("/collections/outfalls/items", json=feature(OUTFALL, IN_ZHANGPU),
                       headers=viewer).status_code == 403


def test_viewers_see_identifiers_and_the_public_does_not(client, reg, token_for):
    reg.layer("outfalls").create(dict(OUTFALL, credit_code="9144030071526726XG"), IN_ZHANGPU)
    viewer = token_for(("viewer",), username="ck", display_name="查看员")
    assert client.get("/collections/outfalls/items/1", headers=viewer).get_json()["properties"]["credit_code"]
    assert "credit_code" not in client.get("/collections/outfalls/items/1").get_json()["properties"]


def test_county_editor_writes_only_inside_the_county(client, reg, token_for, counties):
    zhangpu = token_for(("ecology",), scope=ZHANGPU, username="zp", display_name="漳浦生态环境局")
    inside = client.post("/collections/outfalls/items", json=feature(OUTFALL, IN_ZHANGPU), headers=zhangpu)
    assert inside.status_code == 201
    outside = client.post("/collections/outfalls/items", json=feature(dict(OUTFALL, code="C-2"), IN_ZHAOAN),
                          headers=zhangpu)
    assert outside.status_code == 403 and "350623" in outside.get_json()["detail"]
    assert reg.layer("outfalls").count() == 1, "the refused insert was rolled back"

    moved = client.patch("/collections/outfalls/items/1", json=feature({}, IN_ZHAOAN),
                         headers={**zhangpu, "If-Match": '"1"'})
    assert moved.status_code == 403
    assert reg.layer("outfalls").get(1).geometry.equals(IN_ZHANGPU) and len(reg.layer("outfalls").history(1)) == 1

    theirs = reg.layer("outfalls").create(dict(OUTFALL, code="ZA-1", county_code=ZHAOAN), IN_ZHAOAN)
    patched = client.patch(f"/collections/outfalls/items/{theirs.fid}",
                           json={"type": "Feature", "properties": {"status": "traced"}},
                           headers={**zhangpu, "If-Match": '"1"'})
    assert patched.status_code == 403, "another county's feature cannot be changed, even in place"
    deleted = client.delete(f"/collections/outfalls/items/{theirs.fid}", headers={**zhangpu, "If-Match": '"1"'})
    assert deleted.status_code == 403 and reg.layer("outfalls").count() == 2


def test_jurisdiction_is_enforced_below_the_web_layer(reg, counties):
    from registry.errors import Forbidden

    with pytest.raises(Forbidden):
        reg.layer("outfalls").create(OUTFALL, IN_ZHAOAN, scope=ZHANGPU)
    assert reg.layer("outfalls").count() == 0


def test_tokens_are_stored_hashed_and_can_be_revoked(client, reg):
    create_account(reg, "script", "批量脚本", roles=["ecology"])
    secret = issue_token(reg, "script")
    with reg.engine.connect() as conn:
        stored = conn.execute(text("SELECT digest FROM api_tokens")).scalars().all()
    assert stored and secret not in stored and all(len(d) == 64 for d in stored)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/collections/outfalls/items", json=feature(OUTFALL, IN_ZHANGPU),
                       headers=headers).status_code == 201
    revoke_token(reg, secret)
    assert client.post("/collections/outfalls/items", json=feature(OUTFALL, IN_ZHANGPU),
                       headers=headers).status_code == 401
    assert client.get("/collections/outfalls/items/1", headers={"Authorization": "Basic eDp5"}).status_code == 401


def login(client, username: str, password: str):
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf,
                                       "next": "/collections?f=html"}), csrf


def test_session_login_needs_the_csrf_token_for_every_change(client, reg):
    create_account(reg, "wang", "王科员", roles=["ecology"], password="correct horse battery")
    reg.layer("outfalls").create(OUTFALL, IN_ZHANGPU)
    wrong, _ = login(client, "wang", "wrong password!")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    ok, _ = login(client, "wang", "correct horse battery")
    assert ok.status_code == 302 and ok.headers["Location"] == "/collections?f=html"
    page = client.get("/login")  # the session's token after login
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    change = {"type": "Feature", "properties": {"status": "traced"}}
    forged = client.patch("/collections/outfalls/items/1", json=change, headers={"If-Match": '"1"'})
    assert forged.status_code == 403 and "CSRF" in forged.get_json()["detail"]
    done = client.patch("/collections/outfalls/items/1", json=change,
                        headers={"If-Match": '"1"', "X-CSRF-Token": csrf})
    assert done.status_code == 200
    assert reg.layer("outfalls").history(1)[-1].author == "王科员 (wang)"
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert client.patch("/collections/outfalls/items/1", json=change,
                        headers={"If-Match": '"2"', "X-CSRF-Token": csrf}).status_code == 401


def test_login_form_refuses_a_missing_csrf_token(client, reg):
    create_account(reg, "li", "李科员", roles=["viewer"], password="correct horse battery")
    response = client.post("/login", data={"username": "li", "password": "correct horse battery"})
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["' OR '1'='1", "x'; DROP TABLE outfalls; --", "名称\\' UNION SELECT 1 --"])
def test_filters_are_bound_parameters(client, reg, value):
    reg.layer("outfalls").create(OUTFALL, IN_ZHANGPU)
    response = client.get("/collections/outfalls/items", query_string={"name": value})
    assert response.status_code == 200 and response.get_json()["numberMatched"] == 0
    assert reg.layer("outfalls").count() == 1


def test_security_headers_on_pages_and_api(client):
    for url in ("/", "/map", "/collections?f=html"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("style-src")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_oversized_upload_is_refused_with_a_problem(app, client, token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/collections/outfalls/import", headers=token,
                           data={"file": (__import__("io").BytesIO(b"x" * 5000), "big.geojson")})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert "上限" in response.get_json()["detail"] and "limit" in response.get_json()["detail"]


def test_many_concurrent_writers_never_lose_an_accepted_change(app, reg, token):
    """Writers race to change one feature from the version they read; every accepted change is a
    version in the history, every refused one got 412, and the versions form an unbroken chain."""
    reg.layer("outfalls").create(OUTFALL, IN_ZHANGPU)
    results: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        client = app.test_client()
        for attempt in range(3):
            current = client.get("/collections/outfalls/items/1")
            name = f"writer{n}-try{attempt}"
            response = client.patch("/collections/outfalls/items/1",
                                    json={"type": "Feature", "properties": {"name": name}},
                                    headers={**token, "If-Match": current.headers["ETag"]})
            with lock:
                results.append((name, response.status_code, response.headers.get("ETag")))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = {status for _, status, _ in results}
    assert statuses <= {200, 412}, results
    accepted = {name for name, status, _ in results if status == 200}
    history = reg.layer("outfalls").history(1)
    assert [h.version for h in history] == list(range(1, len(history) + 1))
    assert {h.properties["name"] for h in history[1:]} == accepted, "every accepted change is in the history"
    assert len(history) - 1 == len(accepted)
    assert sum(status == 412 for _, status, _ in results) == len(results) - len(accepted)
    assert len(accepted) >= 1


def test_browsers_get_error_pages_and_clients_problem_json(client):
    """Issue 17 §12: the same refusal as a page in the site's layout for a person, as problem JSON for a client."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/collections/nothing", headers=browser)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "no collection nothing" in page.text and "返回首页" in page.text and "{" not in page.text.split("<main")[1]
    signin = client.post("/runs", headers=browser)
    assert signin.status_code in (401, 403) and signin.mimetype == "text/html"
    assert client.get("/collections/nothing").mimetype == "application/problem+json"
