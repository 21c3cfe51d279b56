"""The composition root: the only module that knows every concrete class."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from .api.http import create_app
from .bus.base import Bus
from .bus.memory import MemoryBus
from .config import Settings
from .domain.clock import Clock, SystemClock
from .domain.model import OrgRole
from .gateway.gateway import BusSignals, Gateway, envelopes_for
from .services.auth import Auth, LoginLimits
from .services.conversations import Conversations
from .services.core import Core, Limits, TokenCache
from .services.markers import Markers
from .services.messages import Messages
from .services.passwords import Passwords
from .services.people import NewUser, People
from .services.sync import Sync
from .store import accounts
from .store.database import Database, open_database
from .store.writer import Committed, GroupCommitWriter

log = logging.getLogger("axon")


@dataclass
class Services:
    settings: Settings
    core: Core
    bus: Bus
    auth: Auth
    people: People
    conversations: Conversations
    messages: Messages
    markers: Markers
    sync: Sync
    gateway: Gateway


def build_bus(settings: Settings) -> Bus:
    if settings.redis_url:
        from .bus.redis import RedisBus

        return RedisBus(settings.redis_url)
    return MemoryBus()


def build_services(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Services:
    clock = clock or SystemClock()
    db = db or open_database(settings.effective_database_url, synchronous=settings.sqlite_synchronous,
                             pool_size=settings.db_pool_size)
    bus = build_bus(settings)

    async def publish(committed: Committed) -> None:
        await bus.publish(envelopes_for(committed))

    writer = GroupCommitWriter(db, clock, publish, settings.group_commit_max_batch)
    signals = BusSignals(bus)
    core = Core(db, writer, clock, Limits(settings.max_text_bytes, settings.resume_limit,
                                          settings.invite_default_hours), signals, TokenCache(clock))
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    people = People(core, passwords)
    auth = Auth(core, passwords, people, LoginLimits(
        settings.login_rate_per_account, settings.login_burst_per_account,
        settings.login_rate_per_address, settings.login_burst_per_address))
    messages = Messages(core)
    markers = Markers(core)
    sync = Sync(core)
    gateway = Gateway(settings=settings, clock=clock, bus=bus, auth=auth, messages=messages, markers=markers,
                      sync=sync, signals=signals)
    return Services(settings, core, bus, auth, people, Conversations(core), messages, markers, sync, gateway)


@dataclass(frozen=True)
class FirstStart:
    org_name: str
    username: str
    password: str | None  # None when it came from the settings (not printed)


async def bootstrap(services: Services) -> FirstStart | None:
    """On an empty database: create the first organisation and its admin."""
    if await services.core.read(accounts.count_orgs) > 0:
        return None
    s = services.settings
    org = await services.people.create_org(s.org_name)
    given = s.admin_password.get_secret_value() if s.admin_password else None
    password = given or secrets.token_urlsafe(12)
    await services.people.create_user(org.id, NewUser(
        username=s.admin_username, display_name="Administrator", password=password, email=s.admin_email,
        role=OrgRole.ADMIN))
    return FirstStart(org.name, s.admin_username, None if given else password)


class Runtime:
    """Owns the node's background tasks; every one is named and cancelled on shutdown."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> FirstStart | None:
        svc = self.services
        for name, coro in (("writer", svc.core.writer.run()), ("markers", svc.markers.run()),
                           ("heartbeats", svc.gateway.run_heartbeats()), ("bus", svc.bus.run()),
                           ("reconcile", svc.gateway.run_reconciliation())):
            self._tasks.append(asyncio.create_task(coro, name=f"axon-{name}"))
        return await bootstrap(svc)

    async def stop(self) -> None:
        svc = self.services
        svc.gateway.close_all()
        writer_task, others = self._tasks[0], self._tasks[1:]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await svc.markers.flush()
        svc.core.writer.stop()
        await writer_task
        await svc.bus.close()
        await svc.core.db.close()


def create(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    services = build_services(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(services)
        first = await runtime.start()
        app.state.first_start = first
        if first is not None:
            _announce(settings, first)
        try:
            yield
        finally:
            await runtime.stop()

    app = create_app(lifespan)
    app.state.services = services
    return app


def _announce(settings: Settings, first: FirstStart) -> None:
    lines = [f"Created organisation {first.org_name!r} and its admin account {first.username!r}."]
    if first.password:
        path = settings.data_dir / "initial-admin.txt"
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"username: {first.username}\npassword: {first.password}\n")
            path.chmod(0o600)
        lines.append(f"Log in as {first.username!r} with password {first.password!r} (also saved in {path}).")
    print("\n".join(lines), flush=True)
