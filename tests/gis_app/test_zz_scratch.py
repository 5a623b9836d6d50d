import subprocess, json, urllib.request
def test_scratch(live_server, story, tmp_path):
    u = live_server
    print(subprocess.run(["ogrinfo", "-ro", "-so", "-al", f"OAPIF:{u}"], capture_output=True, text=True))
    out = tmp_path / "o.geojson"
    print(subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{u}", "outfalls", "-oo", "PAGE_SIZE=2", "--debug", "on"], capture_output=True, text=True))
    print(out.read_text())
    print(urllib.request.urlopen(u + "/collections/outfalls/items?crs=http://www.opengis.net/def/crs/EPSG/0/4527").read().decode())
