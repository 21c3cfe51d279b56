"""The services container: what the API and the CLI are given, built by the composition root (``app.py``).

Kept apart from ``app.py`` so that ``api/`` depends on this shape, never on the module that
knows every concrete class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .bus.base import Bus
from .config import Settings
from .gateway.gateway import Gateway
from .services.activity import Activity
from .services.ai_settings import AiSettingsService
from .services.assistant import Assistant
from .services.assistant_account import AssistantAccounts
from .services.assistant_schedule import AssistantSchedule
from .services.audit_log import AuditLog
from .services.auth import Auth
from .services.avatars import Avatars
from .services.calendar import Calendar
from .services.calendar_feed import CalendarFeeds
from .services.calendar_reminders import CalendarReminders
from .services.compliance import ComplianceExport
from .services.conversations import Conversations
from .services.core import Core
from .services.default_channels import DefaultChannels
from .services.devices import Devices
from .services.directory_sync import DirectorySync
from .services.encryption import Encryption
from .services.event_hints import EventHints
from .services.file_reads import FileReads
from .services.file_sweeper import FileSweeper
from .services.files import Uploads
from .services.link_previews import LinkPreviews
from .services.markers import Markers
from .services.messages import Messages
from .services.org_settings import OrgSettingsService
from .services.people import People
from .services.ports import BackgroundEmbedder, Closeable, SearchIndex, SemanticIndex
from .services.preferences import Drafts, UserPreferences
from .services.reminders import ReminderDelivery, Reminders
from .services.retention import Retention
from .services.search import Search
from .services.search_index import SearchIndexer
from .services.search_keys import SearchKeys
from .services.search_reindex import Reindexer
from .services.search_words import SearchWords
from .services.semantic_index import NoSemanticSearch
from .services.smart_replies import SmartReplies
from .services.sso import SsoSettings
from .services.sso_login import SsoLogin
from .services.sync import Sync
from .services.translation import Translations
from .spine.durable import DurableRunner
from .spine.spine import EventSpine


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
    activity: Activity
    spine: EventSpine
    preferences: UserPreferences
    drafts: Drafts
    default_channels: DefaultChannels
    avatars: Avatars
    audit_log: AuditLog
    retention: Retention
    compliance: ComplianceExport
    devices: Devices
    sso_settings: SsoSettings
    sso_login: SsoLogin
    directory_sync: DirectorySync
    org_settings: OrgSettingsService
    durable: list[DurableRunner] = field(default_factory=list)
    encryption: Encryption | None = None  # set by the composition root (app.build_services)
    link_previews: LinkPreviews | None = None  # set by the composition root (app.build_services)
    # Nearest messages by meaning; ``enabled`` False when the node runs without semantic search.
    semantic_index: SemanticIndex = field(default_factory=NoSemanticSearch)
    # What embeds new and earlier messages for it (the indexer and the backfill), when it is on.
    background_embedder: BackgroundEmbedder | None = None
    # Background models' child processes (``axon/child.py``), stopped when the node stops.
    child_processes: list[Closeable] = field(default_factory=list)
    # Files: set by the composition root (``app.build_files``) once the BlobStore is built.
    uploads: Uploads = field(init=False)
    file_reads: FileReads = field(init=False)
    file_sweeper: FileSweeper = field(init=False)
    # Search: set by the composition root (``app.build_search``).
    search_keys: SearchKeys = field(init=False)
    search_index: SearchIndex = field(init=False)  # the keyword index (the port the search service takes)
    search_indexer: SearchIndexer = field(init=False)
    search_reindexer: Reindexer = field(init=False)
    search_words: SearchWords = field(init=False)
    search: Search = field(init=False)
    # Calendar: set by the composition root (``app.build_calendar``).
    calendar: Calendar = field(init=False)
    calendar_feeds: CalendarFeeds = field(init=False)
    calendar_reminders: CalendarReminders = field(init=False)
    # AI helpers, meeting times: the hints' consumer and reader (``app.build_event_hints``).
    event_hints: EventHints = field(init=False)
    # AI helpers' endpoint settings and translation: set by the composition root (``app.build_ai``).
    ai_settings: AiSettingsService = field(init=False)
    translations: Translations = field(init=False)
    # Smart replies: set by the composition root (``app.build_smart_replies``).
    smart_replies: SmartReplies = field(init=False)
    # The @axon assistant: its accounts and its consumer (``app.build_assistant``).
    assistant_accounts: AssistantAccounts = field(init=False)
    assistant: Assistant = field(init=False)
    assistant_schedule: AssistantSchedule = field(init=False)
    reminders: Reminders = field(init=False)
    reminder_delivery: ReminderDelivery = field(init=False)
