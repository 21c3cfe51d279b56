"""The ``axon`` command: serve a node, migrate the database, show settings, administer accounts."""

from __future__ import annotations

import asyncio
import errno
import functools
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from .config import Settings
from .store.private_files import restrict_new_files

app = typer.Typer(help="Axon team messaging server.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)
admin_app = typer.Typer(help="Organisations, users and devices.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")
console = Console()
T = TypeVar("T")


@app.callback()
def _every_command() -> None:
    """Before any command: what it creates (the database, the initial admin's password) is the owner's only."""
    restrict_new_files()


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [env AXON_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env AXON_PORT].")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder [env AXON_DATA_DIR].")] = None,
) -> None:
    """Run pending migrations, then serve until SIGTERM/SIGINT (clean shutdown)."""
    import uvicorn

    from . import app as composition
    from .api.fast_http import HeaderDeadlineProtocol
    from .api.fast_ws import AxonWebSocketProtocol
    from .store.migrate import upgrade
    from .store.private_files import private_directory

    settings = _settings(host=host, port=port, data_dir=data_dir)
    _require_free_address(settings.host, settings.port)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    private_directory(settings.data_dir)
    upgrade(settings.effective_database_url)
    asgi = composition.create(settings)
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    print(f"Axon is serving at {url}  (database: {_masked_db(settings)})", flush=True)
    uvicorn.run(
        asgi,
        host=settings.host,
        port=settings.port,
        log_level="warning" if settings.log_level == "info" else settings.log_level,
        loop="uvloop",
        http=functools.partial(HeaderDeadlineProtocol, header_timeout=settings.header_timeout),
        ws=AxonWebSocketProtocol,
        ws_max_size=4 * settings.max_frame_bytes,  # beyond the soft limit (an error frame) the socket closes
        ws_ping_interval=None,
        # A client's address comes from the socket unless a configured proxy forwarded the request:
        # otherwise anyone (on loopback too) could pick the address the login limits count.
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
        timeout_graceful_shutdown=5,
        lifespan="on",
        backlog=4096,
    )


def _require_free_address(host: str, port: int) -> None:
    """Exit with a clear message when the address cannot be listened on. uvicorn binds only after
    the startup (migrations, the first admin and its printed password), so a taken port would
    otherwise be reported last, as a bare ``Errno 98``, after a password nobody can use."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is free
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            message = (f"Port {port} on {host} is already in use (another Axon or another program listens there).\n"
                       f"Stop it, or choose a free port: make run PORT={port + 1}  (or: axon serve --port {port + 1}).")
        else:
            message = (f"Cannot listen on {host}:{port}: {exc.strerror or exc}.\n"
                       "Choose another address with make run HOST=… PORT=…  (or: axon serve --host … --port …).")
        typer.echo(message, err=True)
        raise typer.Exit(1) from None


def _masked_db(settings: Settings) -> str:
    return str(settings.masked()["database_url"] or settings.effective_database_url)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply pending migrations (``axon serve`` does this on start)."""
    from .store.migrate import current, upgrade

    settings = _settings()
    upgrade(settings.effective_database_url, revision)
    console.print(f"Database at revision {current(settings.effective_database_url)}.")


@config_app.command("show")
def config_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the effective settings (secrets masked) and where each can be set."""
    settings = _settings()
    values = settings.masked()
    if as_json:
        print(json.dumps(values, indent=2, default=str))
        return
    table = Table("setting", "environment variable", "value", "meaning")
    for name, field in Settings.model_fields.items():
        table.add_row(name, f"AXON_{name.upper()}", str(values[name]), field.description or "")
    console.print(table)
    console.print("Also read from $AXON_CONFIG or ./axon.toml (keys as in the first column).")


# --- admin ---------------------------------------------------------------------


def _with_services(fn: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``fn(services)`` against the configured database (migrated first), writer running."""
    from . import app as composition
    from .services.audit import request_address
    from .store.migrate import upgrade

    settings = _settings()
    upgrade(settings.effective_database_url)

    async def run() -> T:
        request_address.set("shell")  # what the audit log records as where these commands came from
        services = composition.build_services(settings)
        writer = asyncio.create_task(services.core.writer.run())
        try:
            return await fn(services)
        finally:
            services.core.writer.stop()
            await writer
            await services.core.db.close()

    try:
        return asyncio.run(run())
    except Exception as exc:
        from .domain.errors import AxonError

        if isinstance(exc, AxonError):
            console.print(f"[red]{exc.code}[/red]: {exc.message}")
            raise typer.Exit(1) from exc
        raise


async def _admin_actor(services: Any, org_slug: str | None) -> Any:
    from .domain.model import Actor, OrgRole
    from .store import accounts

    orgs = await services.core.read(accounts.list_orgs)
    org = next((o for o in orgs if o["slug"] == org_slug), None) if org_slug else (orgs[0] if len(orgs) == 1 else None)
    if org is None:
        console.print("[red]Name the organisation with --org (slugs: "
                      + ", ".join(o["slug"] for o in orgs) + ")[/red]")
        raise typer.Exit(2)
    return Actor(user_id="cli", org_id=org["id"], device_id="cli", org_role=OrgRole.ADMIN)


async def _user_id(services: Any, actor: Any, username: str) -> str:
    from .store import accounts

    row = await services.core.read(lambda c: accounts.get_user_by_username(c, actor.org_id, username.lower()))
    if row is None:
        console.print(f"[red]No user {username!r}.[/red]")
        raise typer.Exit(1)
    return str(row["id"])


OrgOpt = Annotated[str | None, typer.Option("--org", help="Organisation slug (needed when there are several).")]


@admin_app.command("create-org")
def create_org(name: str, slug: Annotated[str | None, typer.Option()] = None) -> None:
    """Create an organisation (tenant)."""
    org = _with_services(lambda s: s.people.create_org(name, slug))
    console.print(f"Created organisation {org.name!r} (slug {org.slug}, id {org.id}).")


@admin_app.command("create-user")
def create_user(
    username: str,
    display_name: Annotated[str, typer.Option(help="Name shown to colleagues.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="AXON_NEW_USER_PASSWORD")],
    email: Annotated[str | None, typer.Option()] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make an organisation admin.")] = False,
    org: OrgOpt = None,
) -> None:
    """Create a user account."""
    from .domain.model import OrgRole
    from .services.people import NewUser

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org)
        role = OrgRole.ADMIN if admin else OrgRole.MEMBER
        return await s.people.create_user(actor.org_id, NewUser(username, display_name, password, email, role),
                                          via="shell", by=actor)

    user = _with_services(run)
    console.print(f"Created user {user.username!r} ({user.id}).")


@admin_app.command("disable-user")
def disable_user(username: str, enable: Annotated[bool, typer.Option("--enable")] = False, org: OrgOpt = None) -> None:
    """Disable a user (revoking every device) or, with --enable, enable them again."""

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org)
        return await s.people.set_disabled(actor, await _user_id(s, actor, username), not enable)

    user = _with_services(run)
    console.print(f"User {user.username!r} is now {'disabled' if user.disabled else 'enabled'}.")


@admin_app.command("sync-directory")
def sync_directory(org: OrgOpt = None) -> None:
    """Sync the organisation with its LDAP directory now (Admin › Sign-in › Sync now): leavers are
    disabled and their devices revoked (running nodes close their sessions within a second)."""

    async def run(s: Any) -> Any:
        return await s.directory_sync.sync_now(await _admin_actor(s, org))

    summary = _with_services(run)
    console.print(f"Directory sync: {summary.directory_entries} directory entries, {summary.checked} linked accounts "
                  f"checked, {summary.updated} updated, {summary.disabled} disabled (devices revoked), "
                  f"{summary.enabled} re-enabled.")


@admin_app.command("reset-password")
def reset_password(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="AXON_NEW_USER_PASSWORD")],
    org: OrgOpt = None,
) -> None:
    """Set a new password for a user."""

    async def run(s: Any) -> None:
        actor = await _admin_actor(s, org)
        await s.people.reset_password(actor, await _user_id(s, actor, username), password)

    _with_services(run)
    console.print(f"Password of {username!r} was reset.")


@admin_app.command("reset-two-factor")
def reset_two_factor(username: str, org: OrgOpt = None) -> None:
    """Remove a user's two-factor authentication (lost phone and recovery codes) and sign them out everywhere;
    the way back in for the last admin, too."""

    async def run(s: Any) -> None:
        actor = await _admin_actor(s, org)
        await s.auth.two_factor.admin_reset(actor, await _user_id(s, actor, username))

    _with_services(run)
    console.print(f"Two-factor authentication of {username!r} was reset; every device of theirs is signed out.")


@admin_app.command("list-devices")
def list_devices(username: str, org: OrgOpt = None) -> None:
    """List a user's devices (logins)."""

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org)
        return await s.auth.list_devices(actor, await _user_id(s, actor, username))

    table = Table("device", "name", "created", "last seen", "revoked")
    for d in _with_services(run):
        table.add_row(d.id, d.name, d.created_at or "", d.last_seen_at or "", d.revoked_at or "")
    console.print(table)


# --- audit ---------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    org: OrgOpt = None,
    anchors: Annotated[Path | None, typer.Option(
        help="JSON lines of anchors ({chain, position, hash}) kept outside the database; default "
        "<data_dir>/audit-anchors.jsonl when it exists.")] = None,
) -> None:
    """Check the audit log: every entry in place, unaltered, sealed with the audit key, up to its head
    and its anchors. Exits 1 naming the first bad position of each broken chain."""
    from .services.audit import stored_chains, verify_chain
    from .store import accounts
    from .store.audit_anchors import ANCHORS_FILE, read_anchors

    async def run(s: Any) -> tuple[list[Any], dict[str, str]]:
        names = {o["id"]: o["slug"] for o in await s.core.read(accounts.list_orgs)}
        if org is not None:
            chains = [(await _admin_actor(s, org)).org_id]
        else:
            chains = sorted(set(await stored_chains(s.core.read)) | set(names))
        known = read_anchors(anchors or s.settings.data_dir / ANCHORS_FILE, required=anchors is not None)
        return [await verify_chain(s.core.read, c, s.core.audit.keys, known.get(c)) for c in chains], names

    reports, names = _with_services(run)
    for report in reports:
        org_name = names.get(report.chain, "(deleted organisation)")
        name = "system" if report.chain == "" else f"{org_name} ({report.chain})"
        if report.ok:
            console.print(f"[green]OK[/green] {name}: {report.entries} entries, head {report.head_hash}")
        else:
            console.print(f"[red]FAILED[/red] {name}: {report.problem}")
    if not all(r.ok for r in reports):
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console entry point
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
