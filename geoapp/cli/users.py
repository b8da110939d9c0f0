"""geoapp users add | list | set-role | set-password | delete."""

from __future__ import annotations

import getpass
import sys

import click

from geoapp.accounts import ROLES, change_role, create_user, remove_user, reset_password
from geoapp.sessions import sign_out_everywhere
from geoapp.cli import data_dir_option, fail, main, print_rows, store_and_settings
from geoapp.errors import GeoappError, Invalid, NotFound



def cli_actor() -> str:
    """Return the audit name of the person at the terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password(from_stdin: bool) -> str:
    """Return a password from the first line of stdin, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("Password", hide_input=True)
    if click.prompt("Repeat password", hide_input=True) != first:
        raise Invalid("auth_error_password_mismatch")
    return first


@main.group()
def users() -> None:
    """Accounts of editors and admins (and viewers when login is required)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@data_dir_option
def users_add(name: str, role: str, password_stdin: bool, data_dir: str | None) -> None:
    """Create an account; the password is asked for (or read from stdin), never given as an argument."""
    try:
        store, _ = store_and_settings(data_dir)
        create_user(store, name, read_password(password_stdin), role, actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"added {name} ({role})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@data_dir_option
def users_list(as_json: bool, data_dir: str | None) -> None:
    """List accounts and their roles."""
    store, _ = store_and_settings(data_dir)
    print_rows(store.list_users(), as_json, lambda user: (user["name"], user["role"], user["created_at"]))


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@data_dir_option
def users_set_role(name: str, role: str, data_dir: str | None) -> None:
    """Change an account's role."""
    try:
        store, _ = store_and_settings(data_dir)
        change_role(store, name, role, actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"{name} is now {role}")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@data_dir_option
def users_set_password(name: str, password_stdin: bool, data_dir: str | None) -> None:
    """Reset an account's password (its open sessions end)."""
    try:
        store, _ = store_and_settings(data_dir)
        reset_password(store, name, read_password(password_stdin), actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"password of {name} changed")


@users.command("delete")
@click.argument("name")
@data_dir_option
def users_delete(name: str, data_dir: str | None) -> None:
    """Delete an account."""
    try:
        store, _ = store_and_settings(data_dir)
        remove_user(store, name, actor=cli_actor())
    except GeoappError as exc:
        fail(exc, False)
    click.echo(f"deleted {name}")


@users.command("signout")
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="End the sessions of every account.")
@data_dir_option
def users_signout(name: str | None, every: bool, data_dir: str | None) -> None:
    """End every open session of an account (or of every account with --all)."""
    if bool(name) == every:
        raise click.UsageError("give an account name or --all")
    store, _ = store_and_settings(data_dir)
    if name and store.get_user(name) is None:
        fail(NotFound("error_unknown_user", name=name), False)
    count = sign_out_everywhere(store, name, actor=cli_actor())
    click.echo(f"ended {count} sessions of {name or 'every account'}")
