"""Settings: environment variables (prefix ``AXON_``) over an optional TOML file over defaults.

``axon config show`` prints the effective values with secrets masked.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AXON_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, description="TCP port to listen on.")
    data_dir: Path = Field(Path("./data"), description="Folder for the embedded database and files.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/axon.db. "
        "PostgreSQL: postgresql+asyncpg://user@host:5432/db",
    )
    redis_url: str | None = Field(None, description="Redis URL for fan-out between nodes; none = in-process.")
    public_url: str | None = Field(None, description="URL people use to reach this node (for printed links).")
    tls_cert: Path | None = Field(None, description="PEM certificate (chain) to serve HTTPS/WSS with; needs tls_key.")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert.")
    tls_self_signed: bool = Field(False, description="Serve HTTPS/WSS with a self-signed certificate kept in "
                                  "<data_dir>/tls (for trying TLS out; clients pin its printed fingerprint).")
    log_level: str = Field("info", description="debug, info, warning or error.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (for login limits per address); empty = none, not even loopback."
    )

    org_name: str = Field("My Team", description="Name of the first organisation, created on first start.")
    admin_username: str = Field("admin", description="First admin's username, created on first start.")
    admin_password: SecretStr | None = Field(
        None, description="First admin's password; generated and printed when unset."
    )
    admin_email: str | None = Field(None, description="First admin's e-mail address.")

    smtp_host: str | None = Field(None, description="SMTP server for outgoing mail (sign-up confirmations); "
                                  "none = no mail, and open sign-up by e-mail domain cannot be switched on.")
    smtp_port: int = Field(587, description="SMTP port (587 with STARTTLS, 465 with TLS).")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls, tls (implicit, port 465) or none (a relay on localhost only).")
    smtp_username: str | None = Field(None, description="SMTP login, if the server asks for one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_from: str = Field("Axon <axon@localhost>", description="Sender address of Axon's mail.")

    ldap_timeout: float = Field(10.0, description="Seconds to wait for an LDAP directory or an OpenID Connect "
                                "provider before giving up.")
    ldap_ca_file: str | None = Field(None, description="CA certificates (PEM) that LDAP servers' certificates are "
                                     "checked against with StartTLS or LDAPS; none = the system's.")
    directory_sync_check_interval: float = Field(
        60.0, description="Seconds between a node's looks for organisations whose LDAP sync is due.")
    audit_key: SecretStr | None = Field(
        None, description="Key sealing the audit log's entries (at least 32 characters), kept out of the database; "
        "the same on every node. Unset: generated once into <data_dir>/audit.key.")
    audit_older_keys: SecretStr | None = Field(
        None, description="Comma-separated earlier audit keys, so entries they sealed still verify.")
    audit_anchor_interval: float = Field(
        300.0, description="Seconds between writes of the audit chains' heads to <data_dir>/audit-anchors.jsonl "
        "and the log (what shows a log cut off at its end).")
    retention_interval: float = Field(
        3600.0, description="Seconds between rounds of the retention job (one node at a time applies it).")
    retention_batch: int = Field(200, description="Most messages the retention job erases in one transaction.")
    file_sweep_interval: float = Field(
        600.0, description="Seconds between rounds of the file sweeper (expired uploads, unused blobs; one node "
        "at a time).")
    calendar_reminder_interval: float = Field(
        30.0, description="Seconds between rounds of the calendar reminders job (one node at a time).")
    reminder_interval: float = Field(
        15.0, description="Seconds between rounds of the @axon reminders job (one node at a time).")

    max_text_bytes: int = Field(16 * 1024, description="Largest message text in UTF-8 bytes.")
    max_frame_bytes: int = Field(64 * 1024, description="Largest WebSocket frame accepted.")
    max_body_bytes: int = Field(64 * 1024, description="Largest request body of a REST call (uploads excepted).")
    header_timeout: float = Field(10.0, description="Seconds a client has to send a request's headers.")
    frame_rate: float = Field(50.0, description="WebSocket frames per second allowed per connection.")
    frame_burst: float = Field(200.0, description="Burst of WebSocket frames allowed per connection.")
    outbound_queue: int = Field(4096, description="Frames queued per connection before it is dropped.")
    heartbeat_interval: float = Field(15.0, description="Seconds between client pings.")
    heartbeat_timeout: float = Field(45.0, description="Seconds of silence before a connection is closed.")
    resume_limit: int = Field(2000, description="Default events replayed per conversation on resume.")
    reconcile_interval: float = Field(
        60.0, description="Seconds between checks that live sessions missed no event (a lost bus message)."
    )
    hello_timeout: float = Field(10.0, description="Seconds a new socket has to send hello.")
    revocation_poll_interval: float = Field(
        1.0, description="Seconds between a node's looks for devices revoked outside it (e.g. from the shell).")
    spine_poll_interval: float = Field(
        1.0, description="Seconds between durable consumers' looks at the outbox for other nodes' commits."
    )

    # --- link previews (files-previews) ---
    link_previews: bool = Field(True, description="Fetch previews of links in messages (each organisation can "
                                "also switch them off); false: never fetch anything.")
    link_preview_allow: str = Field(
        "", description="Comma-separated addresses or networks that previews may be fetched from although they "
        "are not public (an intranet); empty = public addresses only (loopback and private ranges refused).")
    link_preview_timeout: float = Field(8.0, description="Seconds one preview fetch may take, redirects included.")
    link_preview_cache_hours: float = Field(24.0, description="Hours a fetched preview is reused for the same URL.")

    # --- semantic search (search-semantic) ---
    semantic_search: bool = Field(
        True, description="Find messages by meaning, across Chinese and English (a sentence vector per message, "
        "~150 MiB and a second of CPU once per node, then ~1 ms per message; docs/search.md); false: words only.")
    semantic_cpu_share: float = Field(
        0.25, gt=0, le=1, description="Most of one core that embedding messages may use in the background "
        "(the rest stays with the send path; vectors catch up when the node is quieter).")

    background_niceness: int = Field(
        19, ge=0, le=19, description="CPU priority of the child processes that embed messages and find meeting "
        "times (19: only the CPU the node leaves idle; lower it on a machine that is never idle, where the "
        "lowest priority may wait minutes for a turn).")

    # --- AI helpers: meeting times (ai-extract) ---
    event_hints: bool = Field(
        True, description="Run the event_hints consumer: meeting times in messages become \"Add to calendar\" hints "
        "(when the organisation has ai_helpers and ai_event_suggestions on; docs/ai/events.md). The recognizer "
        "loads on the first message that may name a time (~1.5 s of CPU, ~10 MiB per node).")
    # --- the @axon assistant (ai-assistant) ---
    assistant: bool = Field(
        True, description="Run the assistant consumer: @axon answers questions in its DMs and when mentioned "
        "(when the organisation has ai_helpers and ai_assistant on; docs/ai/assistant.md).")
    # --- smart replies (ai-replies) ---
    smart_reply_learning: bool | None = Field(
        None, description="Learn (message → reply) pairs for smart replies with the sentence model "
        "(docs/ai/replies.md); unset: as semantic_search. Off: smart replies offer only their built-in replies.")

    group_commit_max_batch: int = Field(512, description="Most writes committed in one transaction.")
    sqlite_synchronous: str = Field("FULL", description="SQLite synchronous pragma (FULL = durable acks).")
    db_pool_size: int = Field(8, description="Database connections for reads.")

    send_rate_per_user: float = Field(20.0, description="Messages per second one user may send (all devices).")
    send_burst_per_user: float = Field(100.0, description="Messages one user may send in a burst.")
    send_rate_per_device: float = Field(10.0, description="Messages per second one device may send.")
    send_burst_per_device: float = Field(60.0, description="Messages one device may send in a burst.")
    send_limit_window: float = Field(
        10.0, description="Seconds of the windows in which nodes add up each user's sends (with Redis).")
    login_rate_per_account: float = Field(0.2, description="Login attempts per second per account.")
    login_burst_per_account: float = Field(10, description="Login attempts in a burst per account.")
    login_rate_per_address: float = Field(1.0, description="Login attempts per second per address.")
    login_burst_per_address: float = Field(30, description="Login attempts in a burst per address.")
    two_factor_code_rate_per_account: float = Field(
        1 / 60, description="Wrong two-factor codes (and re-typed passwords) per second per account, after the burst.")
    two_factor_code_burst_per_account: float = Field(5, description="Wrong two-factor codes in a burst per account.")
    argon2_time_cost: int = Field(3, description="Argon2id iterations.")
    argon2_memory_kib: int = Field(65536, description="Argon2id memory in KiB.")
    argon2_parallelism: int = Field(2, description="Argon2id lanes.")
    invite_default_hours: int = Field(168, description="Default lifetime of an invite link in hours.")

    master_key: SecretStr | None = Field(
        None, description="Master key wrapping the data keys (base64 of 32 bytes; axon keys generate). Unset: "
        "AXON_MASTER_KEY_FILE, else <data_dir>/master.key, generated on first start (fine for trying Axon only).")
    master_key_file: Path | None = Field(None, description="File holding the master key (a mounted secret).")
    key_refresh_interval: float = Field(
        5.0, description="Seconds between a node's looks for data keys rotated elsewhere (another node, the shell).")
    reseal_batch_rows: int = Field(500, description="Rows re-encrypted per transaction by a key rotation.")

    # Where file contents are stored (issue 11, files-s3: axon/blobs/factory.py; docs/operations.md).
    blob_store: Literal["local", "s3"] = Field(
        "local", description="local (under <data_dir>/blobs; one node) or s3 (an S3-compatible service; clusters).")
    s3_endpoint: str | None = Field(None, description="URL of the S3-compatible service (e.g. https://minio:9000); "
                                    "none = AWS S3 of s3_region.")
    s3_bucket: str | None = Field(None, description="Bucket holding the files (it must exist); needed with s3.")
    s3_region: str = Field("us-east-1", description="Region of the bucket (signs the requests).")
    s3_access_key_id: str | None = Field(None, description="Access key id; unset with its _file too: the usual AWS "
                                         "chain (AWS_* variables, an instance role).")
    s3_access_key_id_file: Path | None = Field(None, description="File holding the access key id (a mounted secret).")
    s3_secret_access_key: SecretStr | None = Field(None, description="Secret access key.")
    s3_secret_access_key_file: Path | None = Field(
        None, description="File holding the secret access key (a mounted secret).")
    s3_prefix: str = Field("", description="Prefix of Axon's object names, to share a bucket (e.g. axon/).")
    s3_addressing_style: Literal["path", "virtual", "auto"] = Field(
        "path", description="path (bucket in the URL path: MinIO, Ceph, Garage), virtual (bucket as host name) or "
        "auto (botocore decides).")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'axon.db'}"

    def masked(self) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif name in ("database_url", "redis_url") and value:
                value = _mask_url_password(value)
            shown[name] = str(value) if isinstance(value, Path) else value
        return shown


def _mask_url_password(url: str) -> str:
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":********"
    return f"{scheme}://{creds}@{host}"


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``$AXON_CONFIG`` (or ``./axon.toml`` when present): keys as the field names."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = os.environ.get("AXON_CONFIG") or ("axon.toml" if Path("axon.toml").exists() else None)
        self._values: dict[str, Any] = {}
        if path:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
            self._values = data.get("axon", data)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}
