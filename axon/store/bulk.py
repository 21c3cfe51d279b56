"""Statements of the send hot path, as driver SQL built once per dialect.

A group-commit batch inserts hundreds of rows. Through a SQLAlchemy ``insert()``
every row costs parameter processing in Python (``construct_params`` and the
execution context: about a fifth of the server's CPU under W4). These statements
are rendered once per dialect and run with ``exec_driver_sql`` and positional
tuples, so the driver gets the rows as they are and reuses its prepared
statement (sqlite3's statement cache, asyncpg's prepared statements).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect


def placeholders(dialect: Dialect, count: int, start: int = 1) -> list[str]:
    """``count`` positional parameter markers in the driver's own style."""
    style = dialect.paramstyle
    if style == "qmark":
        return ["?"] * count
    if style in ("numeric_dollar", "numeric"):
        mark = "$" if style == "numeric_dollar" else ":"
        return [f"{mark}{i}" for i in range(start, start + count)]
    if style == "format":
        return ["%s"] * count
    raise NotImplementedError(f"parameter style {style!r} is not supported")


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows given as tuples in ``columns`` order."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        unknown = set(columns) - set(table.c.keys())
        if unknown:
            raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
        self.table = table
        self.columns = tuple(columns)
        self._sql: dict[str, str] = {}

    def sql(self, dialect: Dialect) -> str:
        sql = self._sql.get(dialect.name)
        if sql is None:
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(c) for c in self.columns)
            marks = ", ".join(placeholders(dialect, len(self.columns)))
            sql = self._sql[dialect.name] = f"INSERT INTO {quote(self.table.name)} ({names}) VALUES ({marks})"
        return sql

    def run(self, conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
        batch = list(rows)
        if batch:
            conn.exec_driver_sql(self.sql(conn.dialect), batch)
