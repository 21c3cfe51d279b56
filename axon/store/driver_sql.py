"""Statements of the hot paths, as driver SQL built once per dialect.

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

from sqlalchemy import Boolean, Connection, Select, Table
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


class PreparedQuery:
    """A SELECT written with SQLAlchemy, compiled once per dialect and run as driver SQL.

    For the reads of every connect and every page: SQLAlchemy's per-execution work
    (cache key, parameter processing, result metadata) cost more than these small
    queries themselves. Rows come back as dicts keyed like the statement's columns;
    Boolean columns are turned into ``bool`` (the one result type SQLite does not
    return as Python would). Statements with expanding IN lists are not supported.
    """

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt
        columns = list(stmt.selected_columns)
        self.keys = tuple(c.key for c in columns)
        self.booleans = tuple(c.key for c in columns if isinstance(c.type, Boolean))
        self._compiled: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        entry = self._compiled.get(dialect.name)
        if entry is None:
            compiled = self.stmt.compile(dialect=dialect)
            sql = str(compiled)
            if compiled.positiontup is None or "POSTCOMPILE" in sql:
                raise NotImplementedError("PreparedQuery needs positional parameters and no expanding IN")
            entry = self._compiled[dialect.name] = (sql, tuple(compiled.positiontup), dict(compiled.params))
        return entry

    def tuples(self, conn: Connection, **params: Any) -> list[Any]:
        sql, order, defaults = self._for(conn.dialect)
        values = tuple(params[name] if name in params else defaults[name] for name in order)
        return list(conn.exec_driver_sql(sql, values))

    def rows(self, conn: Connection, **params: Any) -> list[dict[str, Any]]:
        keys, booleans = self.keys, self.booleans
        out = []
        for values in self.tuples(conn, **params):
            row = dict(zip(keys, values, strict=True))
            for key in booleans:
                if row[key] is not None:
                    row[key] = bool(row[key])
            out.append(row)
        return out

    def first(self, conn: Connection, **params: Any) -> dict[str, Any] | None:
        rows = self.rows(conn, **params)
        return rows[0] if rows else None
