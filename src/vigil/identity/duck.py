"""DuckDB under the linker: a quiet in-memory connection, and prepared mention frames loaded
into it as typed tables. Both the linking modules and :func:`vigil.identity.model.train` stand on
this module, which stands on nothing of identity's but ``frames``.

SQL here is assembled from this package's own table and column names, never from input data
(values always go in as parameters), hence the ``noqa: S608`` markers.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from vigil.identity.frames import MODEL_COLUMNS, prepare

_VARCHAR_LISTS = ("name_keys", "alias_tokens", "surname_keys")
_BIGINTS = ("dob_days", "birth_lo", "birth_hi")


def is_prepared(df: pd.DataFrame) -> bool:
    return all(c in df.columns for c in MODEL_COLUMNS)


def ensure_prepared(df: pd.DataFrame) -> pd.DataFrame:
    """Prepared frames (e.g. cached by the database layer) pass through untouched."""
    return df[list(MODEL_COLUMNS)] if is_prepared(df) else prepare(df)


def quiet_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection without the progress bar (it would spam logs)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def register_prepared(
    con: duckdb.DuckDBPyConnection, name: str, prepared: pd.DataFrame, extra: Sequence[str] = ()
) -> None:
    """Create a DuckDB table with explicit column types (pandas' object columns that happen to
    be all-null or all-empty-list would otherwise get the wrong type). ``extra`` columns are
    kept as text."""
    view = name.replace(".", "_") + "__pandas"
    con.register(view, prepared)
    exprs = []
    for column in (*MODEL_COLUMNS, *extra):
        if column in _VARCHAR_LISTS:
            sql_type = "VARCHAR[]"
        elif column in _BIGINTS:
            sql_type = "BIGINT"
        elif column == "has_name":
            sql_type = "BOOLEAN"
        else:
            sql_type = "VARCHAR"
        exprs.append(f'CAST("{column}" AS {sql_type}) AS "{column}"')
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {', '.join(exprs)} FROM {view}")  # noqa: S608
    con.unregister(view)


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # fetchall, not fetchone: DuckDB 2 refuses new work while a result is left unfinished.
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608
    return int(rows[0][0])
