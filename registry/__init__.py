"""The registry: storage, history, import and export of every layer, and the analysts' Python API.

    from registry import connect
    reg = connect()                          # DATABASE_URL or the local default
    gdf = reg.layer("outfalls").to_geodataframe(bbox=(117.5, 23.6, 117.8, 24.0))
"""

from registry.api import LayerHandle, Registry, connect

__all__ = ["LayerHandle", "Registry", "connect"]
