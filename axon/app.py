"""The composition root: the only module that knows every concrete class."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from .api.http import create_app
from .blobs.factory import build_blob_store, close_blob_store
from .bus.base import Bus
from .bus.envelopes import envelopes_for
from .bus.memory import MemoryBus
from .config import Settings
from .container import Services
from .domain.assistant_intents import IntentKind
from .domain.clock import Clock, SystemClock
from .domain.link_preview import parse_allow_list
from .domain.model import OrgRole
from .embeddings.process import ProcessEmbedder
from .embeddings.usem import DIMENSIONS, UsemEmbedder
from .gateway.gateway import Gateway
from .gateway.signals import BusSignals
from .identity.ldap_directory import LdapDirectory
from .identity.oidc_client import OidcClient
from .keys import master as master_keys
from .keys.master import LocalMasterKey
from .linkpreview import LinkPreviewer
from .mail.smtp import NoMailer, SmtpMailer
from .media.analyser import MediaProbe
from .services.activity import Activity, OrgActivityCounter
from .services.ai_settings import AiSettingsService
from .services.assistant import Assistant
from .services.assistant_account import AssistantAccounts
from .services.assistant_chat import AssistantChat
from .services.assistant_digest import AssistantDigest
from .services.assistant_model import AssistantModel
from .services.assistant_remind import RemindHandler
from .services.assistant_schedule import AssistantSchedule
from .services.audit import AnchorKeeper, AuditTrail
from .services.audit_log import AuditLog
from .services.auth import Auth, LoginLimits
from .services.avatars import Avatars
from .services.calendar import Calendar
from .services.calendar_feed import CalendarFeeds
from .services.calendar_reminders import CalendarReminders
from .services.compliance import ComplianceExport
from .services.conversations import Conversations
from .services.core import Core, Limits, TokenCache
from .services.default_channels import DefaultChannels
from .services.devices import Devices, RevokedDevices
from .services.directory_sync import DirectorySync
from .services.encryption import Encryption
from .services.event_hints import EventHints
from .services.file_reads import FileReads
from .services.file_sweeper import FileSweeper
from .services.files import Stored, Uploads
from .services.link_previews import LinkPreviews
from .services.markers import Markers
from .services.messages import Messages
from .services.org_settings import OrgSettingsService
from .services.passwords import Passwords
from .services.people import NewUser, People
from .services.ports import Embedder, EventExtractor, MediaAnalyser
from .services.preferences import Drafts, UserPreferences
from .services.reminders import ReminderDelivery, Reminders
from .services.reply_learning import ReplyLearner
from .services.retention import Retention
from .services.search import Search
from .services.search_index import KeywordIndex, SearchIndexer
from .services.search_keys import SearchKeys
from .services.search_reindex import Backfill, Reindexer
from .services.search_words import SearchWords
from .services.semantic import CpuShare, SemanticIndexer, WriteRate
from .services.semantic_backfill import SemanticBackfill
from .services.semantic_index import NearestMessages
from .services.send_limits import SendLimits, SendRates
from .services.smart_replies import LearnedReplies, SmartReplies
from .services.sso import SsoSettings
from .services.sso_login import SsoLogin
from .services.sync import Sync
from .services.translation import Translations
from .services.two_factor import CodeLimits, TwoFactor
from .spine.durable import DurableConsumer, DurableRunner, PreparingConsumer
from .spine.spine import EventSpine
from .store import accounts, event_log
from .store.audit_anchors import ANCHORS_FILE, append_anchors
from .store.audit_keys import audit_key, older_keys
from .store.database import Database, open_database
from .store.private_files import write_secret
from .store.sealing import Keyring
from .store.writer import Committed, GroupCommitWriter
from .timeparse import RecognizersExtractor
from .timeparse.process import ProcessExtractor
from .translate.endpoints import ChatTranslator, LibreTranslate, OpenAiChat
from .translate.gloss import Gloss

log = logging.getLogger("axon")

__all__ = ["Services", "build_services", "create"]


def build_bus(settings: Settings, clock: Clock) -> Bus:
    if settings.redis_url:
        from .bus.redis import RedisBus

        return RedisBus(settings.redis_url, clock)
    return MemoryBus()


def build_mailer(settings: Settings) -> SmtpMailer | NoMailer:
    if not settings.smtp_host:
        return NoMailer()
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_from, username=settings.smtp_username,
                      password=password, security=settings.smtp_security)


def build_audit_trail(settings: Settings) -> AuditTrail:
    given = settings.audit_key.get_secret_value() if settings.audit_key else None
    older = settings.audit_older_keys.get_secret_value() if settings.audit_older_keys else None
    return AuditTrail(audit_key(given, settings.data_dir), older_keys(older))


def build_anchor_keeper(services: Services) -> AnchorKeeper:
    path = services.settings.data_dir / ANCHORS_FILE
    core = services.core
    return AnchorKeeper(core.read, core.clock, lambda anchors, at: append_anchors(path, anchors, at),
                        services.settings.audit_anchor_interval, core.audit.keys)


def build_services(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Services:
    clock = clock or SystemClock()
    db = db or open_database(settings.effective_database_url, synchronous=settings.sqlite_synchronous,
                             pool_size=settings.db_pool_size)
    master = load_master_key(settings)
    keyring = db.keyring = Keyring(master)
    bus = build_bus(settings, clock)
    spine = EventSpine()
    writer = GroupCommitWriter(db, clock, spine.after_commit, settings.group_commit_max_batch, spine.in_commit)
    signals = BusSignals(bus)
    core = Core(db, writer, clock, Limits(settings.max_text_bytes, settings.resume_limit,
                                          settings.invite_default_hours), signals, TokenCache(clock),
                build_audit_trail(settings))
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    mailer = build_mailer(settings)
    people = People(core, passwords, can_confirm_email=mailer.configured and bool(settings.public_url))
    devices = Devices(core)
    auth = Auth(core, passwords, people, devices, LoginLimits(
        settings.login_rate_per_account, settings.login_burst_per_account,
        settings.login_rate_per_address, settings.login_burst_per_address), mailer, settings.public_url,
        TwoFactor(core, passwords, CodeLimits(settings.two_factor_code_rate_per_account,
                                              settings.two_factor_code_burst_per_account)))
    messages = Messages(core, SendLimits(clock, SendRates(settings.send_rate_per_user, settings.send_burst_per_user,
                                                          settings.send_rate_per_device,
                                                          settings.send_burst_per_device)))
    markers = Markers(core)
    sync = Sync(core)
    gateway = Gateway(settings=settings, clock=clock, bus=bus, auth=auth, messages=messages, markers=markers,
                      sync=sync, signals=signals, people=people, devices=devices)
    directory = LdapDirectory(settings.ldap_timeout, settings.ldap_ca_file)
    sso_settings = SsoSettings(core, directory, settings.public_url)
    sso_login = SsoLogin(core, sso_settings, directory, OidcClient(settings.ldap_timeout))
    auth.sso = sso_login
    services = Services(settings, core, bus, auth, people, Conversations(core), messages, markers, sync, gateway,
                        Activity(core), spine, UserPreferences(core), Drafts(core),
                        default_channels=DefaultChannels(core), avatars=Avatars(core), audit_log=AuditLog(core),
                        retention=Retention(core, gateway.node_id, settings.retention_batch),
                        compliance=ComplianceExport(core), devices=devices,
                        sso_settings=sso_settings, sso_login=sso_login, directory_sync=DirectorySync(
                            core, sso_settings, directory, gateway.node_id, settings.directory_sync_check_interval),
                        encryption=Encryption(core, keyring, batch_rows=settings.reseal_batch_rows,
                                              refresh_interval=settings.key_refresh_interval),
                        org_settings=OrgSettingsService(core))
    build_files(services, master.key)
    services.link_previews = build_link_previews(settings, core)
    build_search(services)
    build_ai(services)
    if settings.semantic_search:
        services.semantic_index = NearestMessages(core.read, build_embedder())
        services.background_embedder = build_background_embedder(settings.background_niceness)
    services.search = Search(core, services.search_index, services.semantic_index)
    build_calendar(services)
    extractor = build_event_extractor(settings.background_niceness)
    services.child_processes.append(extractor)
    services.event_hints = EventHints(core, extractor, background_cpu_of(core, settings))
    build_smart_replies(services)
    build_assistant(services, extractor)
    if services.background_embedder is not None:
        services.child_processes.append(services.background_embedder)
    register_consumers(services)
    return services


def build_smart_replies(services: Services) -> None:
    """Smart replies; with learning on (``smart_reply_learning``, by default as semantic search) the
    pairs' consumer embeds in the background embedder and questions in the node's process."""
    settings, core = services.settings, services.core
    learning = settings.semantic_search if settings.smart_reply_learning is None else settings.smart_reply_learning
    learned = None
    if learning:
        learned = LearnedReplies(core.read, build_embedder())
        if services.background_embedder is None:
            services.background_embedder = build_background_embedder(settings.background_niceness)
    services.smart_replies = SmartReplies(core, services.preferences, learned)


def build_assistant(services: Services, extractor: EventExtractor) -> None:
    """The @axon assistant: each organisation's account, the consumer that answers questions and its
    abilities; scheduling and reminders read times with the node's one meeting-time extractor."""
    services.assistant_accounts = AssistantAccounts(services.core)
    services.assistant = Assistant(services.core, services.assistant_accounts, services.search)
    model = AssistantModel(services.core, OpenAiChat())
    services.assistant.handle(IntentKind.DIGEST, AssistantDigest(services.core, model).answer)
    services.assistant.handle(IntentKind.CHAT, AssistantChat(services.core, services.search, model,
                                                             services.assistant.help).answer)
    services.assistant_schedule = AssistantSchedule(services.core, services.calendar, services.assistant_accounts,
                                                    extractor)
    services.assistant.handle(IntentKind.SCHEDULE, services.assistant_schedule.propose)
    services.assistant.handle(IntentKind.REMIND, RemindHandler(services.messages, extractor))
    services.reminders = Reminders(services.core, services.assistant_accounts)
    services.reminder_delivery = ReminderDelivery(services.core, services.assistant_accounts,
                                                  services.gateway.node_id, services.settings.reminder_interval)


def build_link_previews(settings: Settings, core: Core) -> LinkPreviews:
    fetcher = LinkPreviewer(parse_allow_list(settings.link_preview_allow), settings.link_preview_timeout)
    return LinkPreviews(core, fetcher, cache_ms=int(settings.link_preview_cache_hours * 3_600_000))


def build_calendar(services: Services) -> None:
    core = services.core
    services.calendar = Calendar(core, services.messages)
    services.calendar_feeds = CalendarFeeds(core)
    services.calendar_reminders = CalendarReminders(core, services.gateway.node_id,
                                                    services.settings.calendar_reminder_interval)
def build_ai(services: Services) -> None:
    """The AI helpers' endpoint settings and the translation providers (``docs/ai.md``)."""
    core = services.core
    services.ai_settings = AiSettingsService(core)
    providers = (Gloss(), LibreTranslate(), ChatTranslator(OpenAiChat()))
    services.translations = Translations(core, {p.provider: p for p in providers})


def build_search(services: Services) -> None:
    """The keyword index: its keys, the consumer that keeps it, the reindexer and organisations' words."""
    core = services.core
    keys = services.search_keys = SearchKeys(core)
    services.search_index = KeywordIndex(core, keys)
    services.search_indexer = SearchIndexer(core, keys)
    services.search_reindexer = Reindexer(core, keys)
    services.search_words = SearchWords(core, services.search_reindexer)


@functools.cache
def build_embedder() -> Embedder:
    """Queries' embedder, in the node's process (a query is a few words: no pipe in its way). One per
    process: the model (150 MiB once loaded) is shared by every services object built here."""
    return UsemEmbedder()


def build_background_embedder(niceness: int) -> ProcessEmbedder:
    """The indexer's and the backfill's embedder: a low-priority child process, so that embedding
    history never holds the node's interpreter (see ``axon/child.py``)."""
    return ProcessEmbedder(UsemEmbedder, DIMENSIONS, niceness)


@functools.cache
def build_event_extractor(niceness: int) -> ProcessExtractor:
    """Meeting times in messages (``axon/timeparse``), found in a low-priority child process: the
    recognizers are pure Python (5–70 ms a message), and in a thread they held the node's GIL."""
    return ProcessExtractor(RecognizersExtractor, niceness)


def build_media_analyser() -> MediaAnalyser:
    return MediaProbe()


def build_files(services: Services, master_key: bytes) -> None:
    """Uploads, downloads and the sweeper over the configured BlobStore; signed download URLs use a
    key derived from the master key (the same on every node)."""
    settings, core = services.settings, services.core
    blobs = build_blob_store(settings, settings.data_dir)
    url_key = hmac.new(master_key, b"axon file urls", hashlib.sha256).digest()
    services.uploads = Uploads(core, Stored(blobs, settings.data_dir / "tmp"), build_media_analyser())
    services.file_reads = FileReads(core, blobs, url_key)
    services.file_sweeper = FileSweeper(core, blobs, services.gateway.node_id)


def load_master_key(settings: Settings) -> LocalMasterKey:
    key = settings.master_key.get_secret_value() if settings.master_key else None
    return master_keys.load(key, settings.master_key_file, settings.data_dir)


def register_consumers(services: Services) -> None:
    """The consumers of committed events, in the order they run (see ``axon/spine``)."""
    bus, spine, core = services.bus, services.spine, services.core

    def publish(committed: Committed) -> Awaitable[None]:
        return bus.publish(envelopes_for(committed))

    spine.add_after_commit("bus", publish)
    revocations = RevokedDevices(core)
    spine.add_after_commit(revocations.name, revocations)
    if services.link_previews is not None and services.settings.link_previews:
        spine.add_after_commit(services.link_previews.name, services.link_previews)
    durable: list[DurableConsumer | PreparingConsumer] = [OrgActivityCounter(), services.search_indexer]
    if services.background_embedder is not None and services.settings.semantic_search:
        durable.append(SemanticIndexer(services.background_embedder, background_cpu(services)))
    if services.settings.event_hints:
        durable.append(services.event_hints)
    if services.settings.assistant:
        durable.append(services.assistant)
    if services.background_embedder is not None and services.smart_replies.learned is not None:
        durable.append(ReplyLearner(core.read, services.background_embedder, background_cpu(services)))
    for consumer in durable:
        runner = DurableRunner(consumer, core.db, core.writer, core.clock, services.gateway.node_id,
                               page_size=_PAGE_SIZES.get(consumer.name, 32),
                               poll_interval=services.settings.spine_poll_interval)
        spine.add_durable_listener(runner.offer)
        services.durable.append(runner)
    names = [r.consumer.name for r in services.durable]
    for runner in services.durable:
        runner.prune_with = names


def background_cpu(services: Services) -> CpuShare:
    """How embedding shares the node: a share of one core, and a pause while the writer is busy."""
    return background_cpu_of(services.core, services.settings)


def background_cpu_of(core: Core, settings: Settings) -> CpuShare:
    """How background CPU work (embedding, meeting times) shares the node: a share of one core, and a
    pause while the writer is busy."""
    writer = core.writer
    return CpuShare(settings.semantic_cpu_share, busy=WriteRate(lambda: writer.ops).busy)


# Outbox positions per consumer transaction. A position is one writer batch (up to 512 sends), and
# the search index writes every message's terms: 32 positions made a transaction of up to 16k docs that
# held the writer — and every send behind it — for a fifth of a second under load (W4 ack p99).
_PAGE_SIZES = {"search_index": 4, "search_vectors": 4, "event_hints": 4, "reply_pairs": 4}


@dataclass(frozen=True)
class FirstStart:
    org_name: str
    username: str
    password: str | None  # None when it came from the settings (not printed)


async def bootstrap(services: Services) -> FirstStart | None:
    """On an empty database: create the first organisation, its admin and its #general in one write.
    On every start: give organisations from before default channels their #general (idempotent)."""
    if await services.core.read(accounts.count_orgs) > 0:
        await services.default_channels.ensure_general_channels()
        await services.assistant_accounts.ensure_assistants()
        return None
    s = services.settings
    given = s.admin_password.get_secret_value() if s.admin_password else None
    password = given or secrets.token_urlsafe(12)
    org = await services.people.create_org(s.org_name, admin=NewUser(
        username=s.admin_username, display_name="Administrator", password=password, email=s.admin_email,
        role=OrgRole.ADMIN))
    return FirstStart(org.name, s.admin_username, None if given else password)


class Runtime:
    """Owns the node's background work: every task is named, belongs to one ``TaskGroup``, and
    is stopped in order on shutdown (sockets first, then the timers and consumers, then the
    last delivery marks, then the writer once everything queued before it is committed)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FirstStart | None]:
        svc = self.services
        async with asyncio.TaskGroup() as group:
            writer = group.create_task(svc.core.writer.run(), name="axon-writer")
            background = [group.create_task(coro, name=f"axon-{name}") for name, coro in self._background()]
            try:
                assert svc.encryption is not None
                await svc.encryption.start()  # every data key unwrapped before anything is served
                await svc.search_words.load()  # organisations' own words, before any text is cut
                yield await bootstrap(svc)
            finally:
                svc.gateway.close_all()
                for task in background:
                    task.cancel()
                await asyncio.gather(*background, return_exceptions=True)
                await svc.markers.flush()
                node = svc.gateway.node_id  # its consumers stopped: hand their leases over now
                await svc.core.write(lambda tx: event_log.release_leases(tx.conn, node))
                svc.core.writer.stop()
                await writer
        await svc.bus.close()
        await svc.core.db.close()
        for child in svc.child_processes:
            await asyncio.to_thread(child.close)
        if svc.file_reads is not None:
            await close_blob_store(svc.file_reads.blobs)

    async def _backfill(self) -> None:
        """History sent before the search index existed: indexed once, then this task ends."""
        try:
            await self.services.search_words.load()  # cut as the live indexer will
            await Backfill(self.services.core, self.services.search_reindexer, self.services.gateway.node_id).run()
        except Exception:  # retried at the next start; the node serves meanwhile
            log.exception("search backfill failed")

    async def _semantic_backfill(self, embedder: Embedder) -> None:
        """Vectors for the messages stored before semantic search was on: embedded, then this task ends."""
        try:
            await SemanticBackfill(self.services.core, embedder, self.services.gateway.node_id,
                                   cpu=background_cpu(self.services)).run()
        except Exception:  # retried at the next start; the node serves meanwhile
            log.exception("semantic search backfill failed")

    def _background(self) -> list[tuple[str, Coroutine[Any, Any, None]]]:
        svc = self.services
        jobs: list[tuple[str, Coroutine[Any, Any, None]]] = [
            ("markers", svc.markers.run()), ("heartbeats", svc.gateway.run_heartbeats()), ("bus", svc.bus.run()),
            ("reconcile", svc.gateway.run_reconciliation()), ("signals", svc.gateway.run_signals()),
            ("revocations", svc.gateway.run_revocation_watch()), ("directory-sync", svc.directory_sync.run())]
        if svc.encryption is not None:
            jobs.append(("encryption", svc.encryption.run()))
        if svc.link_previews is not None and svc.settings.link_previews:
            jobs.append(("link-previews", svc.link_previews.run()))
        jobs += [(f"consumer-{r.consumer.name}", r.run()) for r in svc.durable]
        jobs.append(("search-words", svc.search_words.run()))
        jobs.append(("search-backfill", self._backfill()))
        if svc.background_embedder is not None and svc.settings.semantic_search:
            jobs.append(("semantic-backfill", self._semantic_backfill(svc.background_embedder)))
        jobs.append(("audit-anchors", build_anchor_keeper(svc).run()))
        jobs.append(("retention", svc.retention.run(svc.settings.retention_interval)))
        jobs.append(("file-sweeper", svc.file_sweeper.run(svc.settings.file_sweep_interval)))
        jobs.append(("calendar-reminders", svc.calendar_reminders.run()))
        jobs.append(("reminders", svc.reminder_delivery.run()))
        limits = svc.messages.send_limits
        if svc.settings.redis_url and limits is not None:  # several nodes: one send limit across them
            from .bus.redis_usage import RedisUsage

            usage = RedisUsage(svc.settings.redis_url, "sends", window=svc.settings.send_limit_window)
            jobs.append(("send-usage", usage.run(limits.counted_since_last_share,
                                                 limits.rates.window_allowance(usage.window), limits.block)))
        return jobs


def create(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    services = build_services(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with Runtime(services).running() as first:
            settle_heap()
            app.state.first_start = first
            if first is not None:
                _announce(settings, first)
            yield

    app = create_app(lifespan, max_body_bytes=settings.max_body_bytes)
    app.state.services = services
    return app


# Python's default collects the youngest generation every 700 new container objects; a send
# burst allocates that many in a fraction of a millisecond (frames, futures, rows), and the
# collections took a fifth of the server's CPU in W4 (py-spy --native). Ten times less often
# brings them under 1 %, for a few thousand more short-lived objects awaiting collection.
GC_THRESHOLDS = (7_000, 10, 10)


def settle_heap() -> None:
    """Once the node has started: what start-up built (modules, compiled statements, caches)
    lives as long as the process, so it is frozen out of every later collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _announce(settings: Settings, first: FirstStart) -> None:
    lines = [f"Created organisation {first.org_name!r} and its admin account {first.username!r}."]
    if first.password:
        path = settings.data_dir / "initial-admin.txt"
        with contextlib.suppress(OSError):
            write_secret(path, f"username: {first.username}\npassword: {first.password}\n")
        lines.append(f"Log in as {first.username!r} with password {first.password!r} (also saved in {path}).")
    print("\n".join(lines), flush=True)
