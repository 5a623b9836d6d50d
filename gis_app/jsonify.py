"""JSON for people and GIS clients: numbers stay numbers, dates are ISO 8601, Chinese stays readable."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
