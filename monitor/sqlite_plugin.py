"""Plugins for sqlite-utils and Datasette: the SQL functions monitor's views need.

Older versions' text is stored deflated and read back by `monitor_inflate()`; the views
`version_texts`, `fact_current` and `fact_history` call it. Both tools load this module through
its entry points (pyproject.toml) and call `prepare_connection` on every connection they open, so
`sqlite-utils query monitor.db ...` and `datasette monitor.db` read those views wherever monitor
is installed. `open_store` registers the same functions on monitor's own connections.

This module imports nothing of monitor's: sqlite-utils loads it for every database it opens, so
it must stay cheap to import and cannot fail because of another part of the package.
"""
from __future__ import annotations

import sqlite3
import zlib

import pluggy

sqlite_utils_hookimpl = pluggy.HookimplMarker("sqlite_utils")
datasette_hookimpl = pluggy.HookimplMarker("datasette")


def inflate(blob: bytes | None) -> str | None:
    """The text of a `document_versions.text_z` value (zlib-deflated UTF-8)."""
    return None if blob is None else zlib.decompress(blob).decode("utf-8")


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the views need, on a connection."""
    conn.create_function("monitor_inflate", 1, inflate, deterministic=True)


@sqlite_utils_hookimpl(specname="prepare_connection")
def sqlite_utils_prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)


@datasette_hookimpl(specname="prepare_connection")
def datasette_prepare_connection(conn: sqlite3.Connection) -> None:
    # Datasette's hook also offers `database` and `datasette`; pluggy passes only what is named.
    register_functions(conn)
