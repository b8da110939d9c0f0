"""geoapp tokens add | list | revoke: personal API tokens for QGIS and GDAL."""

from __future__ import annotations


import click

from geoapp.cli import data_dir_option, fail, main, print_rows, store_and_settings
from geoapp.cli.users import cli_actor
from geoapp.errors import GeoappError
from geoapp.tokens import issue_token, revoke_token



@main.group()
def tokens() -> None:
    """Personal API tokens: read-only access to the OGC API (and other GET pages) when login is required."""


@tokens.command("add")
@click.argument("name")
@data_dir_option
def tokens_add(name: str, data_dir: str | None) -> None:
    """Make a token for NAME and print it once (only its digest is stored)."""
    try:
        store, _ = store_and_settings(data_dir)
        token_id, token = issue_token(store, name, actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"token {token_id} for {name} (shown only now; send it as 'Authorization: Bearer TOKEN'):", err=True)
    click.echo(token)


@tokens.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@data_dir_option
def tokens_list(as_json: bool, data_dir: str | None) -> None:
    """List tokens: id, name, created, revoked (never the tokens themselves)."""
    store, _ = store_and_settings(data_dir)
    print_rows(store.list_api_tokens(), as_json, lambda row: (
        row["id"], row["name"], row["created_at"], f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"))


@tokens.command("revoke")
@click.argument("token_id")
@data_dir_option
def tokens_revoke(token_id: str, data_dir: str | None) -> None:
    """Revoke the token with this id; clients using it get 401 from the next request on."""
    try:
        store, _ = store_and_settings(data_dir)
        revoke_token(store, token_id, actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"revoked token {token_id}")
