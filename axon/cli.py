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
keys_app = typer.Typer(help="Encryption at rest: the master key and the organisations' data keys.",
                       no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
search_app = typer.Typer(help="The search index.", no_args_is_help=True)
app.add_typer(search_app, name="search")
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
    tls_cert: Annotated[Path | None, typer.Option(help="Serve HTTPS/WSS with this PEM certificate (chain) "
                                                       "[env AXON_TLS_CERT].")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's PEM private key [env AXON_TLS_KEY].")] = None,
    tls_self_signed: Annotated[bool | None, typer.Option(
        "--tls-self-signed", help="Serve HTTPS/WSS with a self-signed certificate made (once) in the data folder; "
        "prints its fingerprint [env AXON_TLS_SELF_SIGNED].")] = None,
) -> None:
    """Run pending migrations, then serve until SIGTERM/SIGINT (clean shutdown)."""
    import uvicorn

    from . import app as composition
    from .api.fast_http import HeaderDeadlineProtocol
    from .api.fast_ws import AxonWebSocketProtocol
    from .store.migrate import upgrade
    from .store.private_files import private_directory

    settings = _settings(host=host, port=port, data_dir=data_dir, tls_cert=tls_cert, tls_key=tls_key,
                         tls_self_signed=tls_self_signed)
    _require_free_address(settings.host, settings.port)
    _require_usable_blob_store(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    private_directory(settings.data_dir)
    certificate = _serving_certificate(settings)
    upgrade(settings.effective_database_url)
    asgi = composition.create(settings)
    scheme = "https" if certificate else "http"
    url = settings.public_url or f"{scheme}://{settings.host}:{settings.port}"
    print(f"Axon is serving at {url}  (database: {_masked_db(settings)})", flush=True)
    if certificate:
        print(f"TLS certificate {certificate.cert_file}\n  SHA-256 fingerprint {certificate.fingerprint}", flush=True)
    uvicorn.run(
        asgi,
        # HTTPS and WSS on the same port: TLS wraps the connection below uvicorn's protocols, so the
        # header deadline and the WebSocket fast path (api/fast_ws.py) work unchanged.
        ssl_certfile=str(certificate.cert_file) if certificate else None,
        ssl_keyfile=str(certificate.key_file) if certificate else None,
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


def _serving_certificate(settings: Settings) -> Any:
    """The certificate to serve with (``axon.tls.ServingCertificate``), or None for plain HTTP."""
    from . import tls

    if settings.tls_self_signed:
        if settings.tls_cert or settings.tls_key:
            typer.echo("Give either --tls-cert/--tls-key or --tls-self-signed, not both.", err=True)
            raise typer.Exit(2)
        return tls.self_signed_certificate(settings.data_dir, settings.host)
    if bool(settings.tls_cert) != bool(settings.tls_key):
        typer.echo("--tls-cert and --tls-key go together.", err=True)
        raise typer.Exit(2)
    if settings.tls_cert and settings.tls_key:
        try:
            return tls.given_certificate(settings.tls_cert, settings.tls_key)
        except (OSError, ValueError) as exc:
            typer.echo(f"Cannot read the TLS certificate {settings.tls_cert}: {exc}", err=True)
            raise typer.Exit(2) from None
    return None


def _require_usable_blob_store(settings: Settings) -> None:
    """Exit with the reason when AXON_BLOB_STORE=s3 is configured incompletely (before anything is created)."""
    from .blobs.factory import BlobStoreConfigError, s3_config

    if settings.blob_store == "s3":
        try:
            s3_config(settings)
        except BlobStoreConfigError as exc:
            typer.echo(f"File storage: {exc}.", err=True)
            raise typer.Exit(2) from None


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
            await services.encryption.start()
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
    # Whoever runs the shell owns the installation: an owner, so that owners can be appointed here too.
    return Actor(user_id="cli", org_id=org["id"], device_id="cli", org_role=OrgRole.OWNER)


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


@admin_app.command("set-role")
def set_role(username: str, role: Annotated[str, typer.Argument(help="owner, admin, member or guest")],
             org: OrgOpt = None) -> None:
    """Change a user's organisation role (an organisation keeps at least one owner and one admin)."""
    from .domain.model import OrgRole

    if role not in {r.value for r in OrgRole}:
        console.print("[red]The role is owner, admin, member or guest.[/red]")
        raise typer.Exit(2)

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org)
        return await s.people.set_org_role(actor, await _user_id(s, actor, username), OrgRole(role))

    user = _with_services(run)
    console.print(f"User {user.username!r} is now {user.role}.")


@admin_app.command("disable-user")
def disable_user(username: str, enable: Annotated[bool, typer.Option("--enable")] = False, org: OrgOpt = None) -> None:
    """Disable a user (offboarding: every device is revoked and ordered to wipe its local data; the content
    stays) or, with --enable, enable them again (revoked devices stay revoked)."""

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
        return await s.devices.list(actor, await _user_id(s, actor, username))

    table = Table("device", "name", "platform", "created", "last seen", "address", "status", "wipe ordered",
                  "wiped")
    for d in _with_services(run):
        table.add_row(d.id, d.name, d.platform, d.created_at or "", d.last_seen_at or "", d.last_address, d.status,
                      d.wipe_requested_at or "", d.wiped_at or "")
    console.print(table)


@admin_app.command("wipe-device")
def wipe_device(username: str, device_id: str, org: OrgOpt = None) -> None:
    """Order one of a user's devices to wipe its local data (it is revoked at once; running nodes tell it
    within a second, or when it next connects)."""

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org)
        return await s.devices.order_wipe(actor, device_id, await _user_id(s, actor, username))

    device = _with_services(run)
    console.print(f"Device {device.id} is ordered to wipe its data (status: {device.status}).")


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
# --- keys ----------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random master key (for AXON_MASTER_KEY or a key file)."""
    from .keys.master import generate_text

    print(generate_text())


@keys_app.command("status")
def keys_status() -> None:
    """List the data keys (never their bytes) and the re-encryption jobs with their progress."""
    keys, jobs = _with_services(lambda s: s.encryption.status())
    table = Table("organisation", "data key", "state", "master key", "created", "retired")
    for k in keys:
        table.add_row(k["org_id"], k["id"], k["state"], k["master_key_id"], str(k["created_at"]),
                      str(k["retired_at"] or ""))
    console.print(table)
    for job in jobs:
        state = "finished" if job.finished_at else f"{min(job.done, job.total)}/{job.total} rows, walk {job.passes + 1}"
        console.print(f"{job.org_id}: {job.reason} to key {job.key_id}: {state}")


@keys_app.command("rotate")
def keys_rotate(
    to: Annotated[Path | None, typer.Option(
        "--to", help="File with the new master key (axon keys generate): every data key is wrapped under it.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation slug whose data key to replace.")] = None,
    reencrypt: Annotated[bool, typer.Option(
        "--reencrypt", help="With --org: a new data key, and every row of the organisation re-encrypted.")] = False,
) -> None:
    """Rotate the master key (--to FILE), or an organisation's data key (--org SLUG --reencrypt)."""
    if (to is None) == (org is None) or (org is not None) != reencrypt:
        console.print("[red]Give either --to FILE, or --org SLUG --reencrypt.[/red]")
        raise typer.Exit(2)
    if to is not None:
        _rotate_master(to)
    else:
        assert org is not None
        _rotate_data_key(org)


def _rotate_master(path: Path) -> None:
    from .keys.master import LocalMasterKey, parse_text

    new = LocalMasterKey(parse_text(path.read_text(encoding="utf-8"), str(path)), str(path))
    settings = _settings()
    count = _with_services(lambda s: s.encryption.rewrap_all(new))
    console.print(f"{count} data key(s) are now wrapped by master key {new.key_id}.")
    if not (settings.master_key and settings.master_key.get_secret_value()) and settings.master_key_file is None:
        from .keys.master import DEFAULT_FILE_NAME
        from .store.private_files import write_secret

        write_secret(settings.data_dir / DEFAULT_FILE_NAME, path.read_text(encoding="utf-8"))
        console.print(f"It replaced {settings.data_dir / DEFAULT_FILE_NAME}. Restart the nodes.")
    else:
        console.print("Point AXON_MASTER_KEY / AXON_MASTER_KEY_FILE of every node at the new key and restart them; "
                      "keep the old key until then.")


def _rotate_data_key(org_slug: str) -> None:
    from rich.progress import Progress

    async def run(s: Any) -> Any:
        actor = await _admin_actor(s, org_slug)
        job = await s.encryption.rotate_data_key(actor)
        with Progress(console=console) as bar:
            task = bar.add_task(f"re-encrypting under key {job.key_id}", total=max(job.total, 1))

            def show(progress: Any) -> None:
                walking = "" if progress.passes == 0 else f" (check {progress.passes})"
                bar.update(task, completed=min(progress.done, progress.total),
                           description=f"re-encrypting under key {job.key_id}{walking}")

            await s.encryption.finish_job(actor.org_id, show)
            bar.update(task, completed=max(job.total, 1))
        return job

    job = _with_services(run)
    console.print(f"Every row is sealed under data key {job.key_id}; the previous key is retired.")


# --- search ----------------------------------------------------------------------


@search_app.command("reindex")
def search_reindex(
    org: str | None = typer.Option(None, "--org", help="Organisation slug (default: every organisation)."),
) -> None:
    """Rebuild the keyword index from the stored messages, online: the nodes keep serving and
    indexing; pages of a few hundred messages go through the writer."""
    from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .store import accounts

    async def run(s: Any) -> int:
        await s.search_words.load()  # cut as the nodes cut: with the organisations' own words
        found = await s.core.read(accounts.list_orgs)
        chosen = [o for o in found if org is None or o["slug"] == org]
        if not chosen:
            console.print(f"[red]not_found[/red]: no organisation with slug {org!r}.")
            raise typer.Exit(1)
        total = 0
        columns = (*Progress.get_default_columns(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console) as bar:
            for o in chosen:
                task = bar.add_task(f"reindexing {o['slug']}", total=None, rate="")

                def show(p: Any, task: Any = task) -> None:
                    rate = f"{p.done / p.seconds:,.0f} msg/s" if p.seconds > 0 else ""
                    bar.update(task, completed=p.done, total=p.total, rate=rate)

                done = await s.search_reindexer.reindex(o["id"], show)
                bar.update(task, completed=done, total=max(done, 1))
                total += done
        return total

    count = _with_services(run)
    console.print(f"{count} message(s) re-indexed.")


def main() -> None:  # pragma: no cover - console entry point
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
