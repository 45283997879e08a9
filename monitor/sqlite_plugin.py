"""Plugins for sqlite-utils and Datasette: the SQL functions monitor's views need.

Older versions' text is stored deflated and read back by `monitor_inflate()` (store.py); the
views `version_texts`, `fact_current` and `fact_history` call it. Both tools load this module
through its entry points (pyproject.toml) and call `prepare_connection` on every connection
they open, so `sqlite-utils query monitor.db ...` and `datasette monitor.db` read those views in
any environment where monitor is installed.
"""
from __future__ import annotations

import sqlite3

import pluggy

from monitor.store import register_functions

sqlite_utils_hookimpl = pluggy.HookimplMarker("sqlite_utils")
datasette_hookimpl = pluggy.HookimplMarker("datasette")


@sqlite_utils_hookimpl(specname="prepare_connection")
def sqlite_utils_prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)


@datasette_hookimpl(specname="prepare_connection")
def datasette_prepare_connection(conn: sqlite3.Connection) -> None:
    # Datasette's hook also offers `database` and `datasette`; pluggy passes only what is named.
    register_functions(conn)
