"""Turn the engine's frozen msgspec Structs into JSON-ready data, one rule for all of them.

The JSON shape is the structs' field names, so it stays stable as long as they do
(README documents it). Computed properties a reader needs (a command's shell string, a TXT
record's joined value) are listed per class in `__json_extra__`.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from wizard.common.safe_text import decode, shorten

_BYTES_SHOWN = 4000  # raw bytes inside a report (tails, returned parts) are shown cut to this


def to_data(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (bytes, bytearray)):
        return shorten(decode(bytes(obj)), _BYTES_SHOWN)
    if isinstance(obj, msgspec.Struct):
        hidden = getattr(obj, "__json_hidden__", ())
        out = {
            name: to_data(getattr(obj, name))
            for name in obj.__struct_fields__
            if name not in hidden and not name.startswith("_")
        }
        for name in getattr(obj, "__json_extra__", ()):
            out[name] = to_data(getattr(obj, name))
        return out
    if isinstance(obj, dict):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_data(v) for v in obj]
    return str(obj)
