"""The layers: one module per layer, discovered here so nothing else needs a list of them.

``LAYERS`` maps each collection id to its model, in a stable order (reference layers first).
"""

from __future__ import annotations

import importlib
import pkgutil

from layers.base import SRID, Base, Changeset, CodeList, Feature, LayerMeta, layer_attributes

_SKIP = {"base", "codes"}


def _discover() -> dict[str, type[Feature]]:
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _SKIP:
            importlib.import_module(f"{__name__}.{info.name}")
    models = [m for m in _subclasses(Feature) if "__layer__" in m.__dict__]
    models.sort(key=lambda m: (m.__layer__.kind != "reference", m.__module__, m.__layer__.name))
    return {m.__layer__.name: m for m in models}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


LAYERS: dict[str, type[Feature]] = _discover()


def get_layer(name: str) -> type[Feature]:
    """The model of layer ``name``; KeyError names the known layers."""
    try:
        return LAYERS[name]
    except KeyError:
        raise KeyError(f"unknown layer {name!r}; known layers: {', '.join(LAYERS)}") from None


__all__ = ["LAYERS", "SRID", "Base", "Changeset", "CodeList", "Feature", "LayerMeta", "get_layer",
           "layer_attributes"]
