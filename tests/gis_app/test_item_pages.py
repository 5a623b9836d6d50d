"""Item pages of a big layer: pages past the first are a deferred join and numberMatched is kept between
pages (issue 10). Neither may change an answer: each page holds the right version of each feature, and
numberMatched follows every committed write, also one that began before the kept answer."""

from __future__ import annotations

from datetime import UTC, datetime

from shapely.geometry import Point

from registry.repository import new_changeset

OUTFALL = {"code": "350623-P-001", "name": "分页排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed"}


def outfall(i: int, **changes: str) -> dict[str, str]:
    return dict(OUTFALL, code=f"350623-P-{i:03d}", name=f"分页排口{i}", status="traced" if i % 2 else "surveyed",
                **changes)


def page_ids(client, query: str, limit: int, total: int) -> list[tuple[int, int, str]]:
    """(fid, version, name) of every feature, read ``limit`` at a time by offset."""
    seen = []
    for offset in range(0, total, limit):
        body = client.get(f"/collections/outfalls/items?limit={limit}&offset={offset}{query}").get_json()
        seen += [(f["id"], f["properties"]["version"], f["properties"]["name"]) for f in body["features"]]
    return seen


def test_pages_past_the_first_hold_the_right_version_of_each_feature(client, reg):
    layer = reg.layer("outfalls")
    created = [layer.create(outfall(i), Point(117.58 + i * 0.01, 23.74)) for i in range(7)]
    before_edits = datetime.now(UTC)
    layer.update(created[1].fid, {"name": "改名排口"}, base_version=1)
    layer.delete(created[3].fid, base_version=1)

    current = page_ids(client, "", 2, 6)
    assert [fid for fid, _, _ in current] == [r.fid for i, r in enumerate(created) if i != 3]
    assert current[1] == (created[1].fid, 2, "改名排口")

    as_of = page_ids(client, f"&as_of={before_edits.isoformat().replace('+00:00', 'Z')}", 3, 7)
    assert as_of == [(r.fid, 1, f"分页排口{i}") for i, r in enumerate(created)], "the page as it stood"

    traced = page_ids(client, "&status=traced", 1, 2)
    assert [fid for fid, _, _ in traced] == [created[1].fid, created[5].fid], "filters apply before the page"


def test_number_matched_follows_every_committed_write(client, reg):
    layer = reg.layer("outfalls")
    layer.create(outfall(1), Point(117.60, 23.76))

    def matched() -> int:
        return client.get("/collections/outfalls/items?limit=1&offset=1").get_json()["numberMatched"]

    assert matched() == 1
    with reg.engine.connect() as slow:  # an import that began first, so its changeset id is the older one
        transaction = slow.begin()
        changeset = new_changeset(slow, author="慢导入", source="test", layer="outfalls", count=1)
        layer.store.insert(slow, outfall(2), Point(117.61, 23.76), changeset)
        layer.create(outfall(3), Point(117.62, 23.76))
        assert matched() == 2, "the open import is not visible yet"
        transaction.commit()
    assert matched() == 3, "its commit is seen although no newer changeset came"
    assert client.get("/collections/outfalls/items?status=traced").get_json()["numberMatched"] == 2


def _link(body: dict, rel: str) -> str | None:
    found = [x["href"] for x in body["links"] if x["rel"] == rel]
    return found[0].replace("http://localhost", "") if found else None


def test_next_and_prev_links_page_by_key_so_a_delete_behind_the_reader_skips_nothing(client, reg):
    layer = reg.layer("outfalls")
    created = [layer.create(outfall(i), Point(117.58 + i * 0.01, 23.74)) for i in range(5)]
    first = client.get("/collections/outfalls/items?limit=2").get_json()
    assert [f["id"] for f in first["features"]] == [created[0].fid, created[1].fid]
    assert _link(first, "prev") is None
    layer.delete(created[0].fid, base_version=1)  # by offset, the next page would now skip created[2]

    second = client.get(_link(first, "next")).get_json()
    assert [f["id"] for f in second["features"]] == [created[2].fid, created[3].fid]
    assert f"after={created[1].fid}" in _link(first, "next")
    third = client.get(_link(second, "next")).get_json()
    assert [f["id"] for f in third["features"]] == [created[4].fid]
    assert _link(third, "next") is None, "the last page has no next link"

    back = client.get(_link(third, "prev")).get_json()
    assert [f["id"] for f in back["features"]] == [created[2].fid, created[3].fid]
    assert [f["id"] for f in client.get(_link(back, "prev")).get_json()["features"]] == [created[1].fid]
    assert client.get(f"/collections/outfalls/items?before={created[1].fid}&after=1").status_code == 400
