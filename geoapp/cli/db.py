"""geoapp db upgrade | load-default | backup: the database of either backend."""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import click

from geoapp.cli import data_dir_option, main
from geoapp.config import load_settings


def _settings(data_dir: str | None, database_url: str | None) -> dict:
    overrides = {}
    if data_dir:
        overrides["DATA_DIR"] = data_dir
    if database_url is not None:
        overrides["DATABASE_URL"] = database_url
    return load_settings(overrides)


@contextmanager
def _opened(settings: dict):
    """Yield the store of the settings (its data directory created); close its connections after."""
    from geoapp.storage import open_store

    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    try:
        yield store
    finally:
        if hasattr(store, "close"):
            store.close()


def _store_options(command):
    command = click.option(
        "--database-url", envvar="GEOAPP_DATABASE_URL",
        help="postgresql://… selects PostGIS; empty selects the GeoPackage file.",
    )(command)
    return data_dir_option(command)


@main.group()
def db() -> None:
    """The database: schema migrations, built-in data, backups."""


@db.command("upgrade")
@_store_options
def upgrade(data_dir: str | None, database_url: str | None) -> None:
    """Create the schema or run the pending migrations (running it again changes nothing)."""
    from geoapp.storage.postgis import PostgisStore

    with _opened(_settings(data_dir, database_url)) as store:
        if isinstance(store, PostgisStore):
            applied = store.upgrade()
            click.echo(f"applied migrations: {', '.join(map(str, applied))}" if applied else "schema is up to date")
        else:
            store.init()
            click.echo(f"schema is up to date: {store.path}")


@db.command("load-default")
@_store_options
def load_default_command(data_dir: str | None, database_url: str | None) -> None:
    """Publish the built-in Lạng Sơn data for every kind that has nothing published yet."""
    from geoapp.data.dataset import load_default

    settings = _settings(data_dir, database_url)
    with _opened(settings) as store:
        store.init()
        loaded = load_default(store, settings["GEODATA_DIR"])
    click.echo(f"loaded: {', '.join(loaded)}" if loaded else "nothing loaded: data is already published")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@_store_options
def backup(file: str, force: bool, data_dir: str | None, database_url: str | None) -> None:
    """Write a consistent copy of the database to FILE while the app keeps running.

    GeoPackage: a copy of the file made with SQLite's online backup API.
    PostGIS: a pg_dump archive (custom format) to restore with pg_restore.
    """
    from geoapp.storage.backup import backup_geopackage, backup_postgis
    from geoapp.storage.postgis import PostgisStore

    if Path(file).exists() and not force:
        raise click.ClickException(f"{file} exists (use --force to overwrite it)")
    with _opened(_settings(data_dir, database_url)) as store:
        try:
            if isinstance(store, PostgisStore):
                backup_postgis(store.url, file)
            elif store.path.exists():
                backup_geopackage(store.path, file)
            else:
                raise click.ClickException(f"there is no GeoPackage at {store.path}")
        except (OSError, sqlite3.Error, subprocess.CalledProcessError) as exc:
            raise click.ClickException(f"backup failed: {exc}") from None
    click.echo(f"wrote {file}")
