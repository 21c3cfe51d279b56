"""The base of the REST bodies (``rest.py`` and its siblings), apart so that every body module can use it."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Timestamp = Annotated[str | None, msgspec.Meta(description="ISO 8601 UTC with milliseconds; null when unset.")]


class Shape(msgspec.Struct):
    """Base of the REST bodies (unknown fields are ignored by decoders: newer servers stay readable)."""

    def __getitem__(self, field: str) -> Any:
        """Read a field by key, as from the dicts the views built before: callers written against
        them (the gateway, the CLI, service-level tests) keep working. New code reads attributes."""
        if field not in self.__struct_fields__:
            raise KeyError(field)
        return getattr(self, field)
