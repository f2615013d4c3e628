"""Backup and restore of the embedded SQLite database, while the app runs.

`backup` copies the live database page by page with SQLite's online backup API: a consistent
snapshot even while requests write (a file copy of a database in WAL mode is not one). `restore`
checks the file first (a SQLite database, intact, made by a known migration of Passerelle) and then
copies it over the live database the same way, in one locked step, so no request sees half of it.

PostgreSQL has its own tools (pg_dump, pg_restore): see README.md, "Backups".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


class BackupError(Exception):
    pass


def _live_sqlite():
    """A connection of the app's pool to its SQLite database (`.driver_connection` is sqlite3's;
    closing it gives it back to the pool), or BackupError on another database."""
    if db.engine.dialect.name != "sqlite":
        raise BackupError(
            "The database is PostgreSQL: back it up with pg_dump and restore it with pg_restore (README.md, “Backups”)."
        )
    return db.engine.raw_connection()


def backup(destination: Path) -> int:
    """Write a consistent copy of the live database to `destination` (not overwritten); its size in bytes."""
    if destination.exists():
        raise BackupError(f"{destination} exists already: choose a new file name.")
    live = _live_sqlite()
    try:
        copy = sqlite3.connect(destination)
        try:
            live.driver_connection.backup(copy)
        finally:
            copy.close()
    finally:
        live.close()
    return destination.stat().st_size


def known_revisions() -> set[str]:
    return {path.name.split("_", 1)[0] for path in MIGRATIONS.glob("[0-9]*_*.py")}


def check_backup(source: Path) -> str:
    """The migration the backup in `source` was made at; BackupError if it cannot be restored."""
    if not source.is_file():
        raise BackupError(f"No file {source}.")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_file:
            if backup_file.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is damaged (SQLite's integrity check fails).")
            revision = backup_file.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a backup of Passerelle ({error}).") from error
    if revision not in known_revisions():
        raise BackupError(f"{source} was made by a migration this version does not know ({revision}).")
    return revision


def restore(source: Path) -> str:
    """Replace the live database with the backup in `source`; the migration it was made at."""
    revision = check_backup(source)
    live = _live_sqlite()
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_file:
            backup_file.backup(live.driver_connection)
    finally:
        live.close()
    db.engine.dispose()  # connections opened before the restore would keep reading their cache
    return revision
