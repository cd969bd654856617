"""Settings: the one place that reads the environment and the command line."""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SYNCHRONOUS_LEVELS = ("FULL", "NORMAL")
ENV_PREFIX = "SWITCHBOARD_"
# Standard Webhooks' retry schedule: seconds before each retry (5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 10 h: about a day in all).
WEBHOOK_RETRIES: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)


@dataclass(frozen=True, slots=True)
class Limits:
    """Field limits, rate limits and caps of the contract; each one configurable."""

    content_max: int = 4000
    name_max: int = 100
    email_max: int = 254
    page_url_max: int = 2048
    body_max_bytes: int = 64 * 1024
    attachment_max_bytes: int = 10 * 1024 * 1024  # one uploaded file
    frame_max_bytes: int = 64 * 1024
    starts_per_minute: int = 30  # per client address
    messages_per_minute: int = 120  # per chat session
    address_messages_per_minute: int = 600  # per client address, across its sessions
    sockets_per_session: int = 10
    sockets_per_agent: int = 50
    socket_frames_per_10s: int = 100  # frames one socket may send in 10 s
    socket_queue: int = 512  # frames waiting for one socket before it is cut off (1013)
    failed_logins: int = 10  # per email and per address ...
    failed_login_window: int = 15 * 60  # ... in this many seconds
    history_default: int = 500
    history_max: int = 1000
    sessions_default: int = 100
    sessions_max: int = 500
    search_default: int = 20  # conversations per search
    search_max: int = 100
    search_query_max: int = 20_000  # characters of `q`; FTS5 syntax in it is only separators
    search_words_max: int = 32  # distinct words of `q`, all of which a message must hold
    setting_text_max: int = 200  # the widget's title and greeting
    article_max: int = 50_000  # characters of one knowledge-base article
    csat_comment_max: int = 1000  # characters of a rating's comment
    api_key_requests_per_minute: int = 600  # requests with one API key, across every node


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs to know; built by from_env()/from_args() or by tests."""

    host: str = "127.0.0.1"
    port: int = 8000
    # A SQLite file, or a postgresql://user:password@host:port/db URL (never shown with its
    # password: see database_label).
    database: Path | str = field(default=Path("data/chat.db"), repr=False)
    data_folder: Path | None = None  # files/ and secret_key; None: see data_dir
    secret_key: str = ""
    demo_data: bool = True
    synchronous: str = "FULL"
    allowed_origins: tuple[str, ...] = ()
    backplane_url: str = "memory://"
    forwarded_allow_ips: str = "127.0.0.1"
    ai_enabled: bool = True
    gemini_api_key: str = ""
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str = ""
    ai_timeout: float = 8.0
    ai_reply_delay: float = 0.25  # quiet seconds before the AI answers, so a burst gets one reply
    presence_grace: float = 30.0  # seconds after an agent's last socket closed: offline
    knowledge_dir: Path | None = None  # None: the articles shipped in data/knowledge
    login_ttl_hours: int = 12
    token_ttl_days: int = 30
    reader_connections: int = 2
    ws_impl: str = "direct"
    ws_deflate: bool = False
    # Email continuity (TEAMS.md, "Business hours and email"): off unless smtp_url and
    # mail_from are set; replies come back only with imap_url too.
    smtp_url: str = field(default="", repr=False)
    mail_from: str = ""
    imap_url: str = field(default="", repr=False)
    email_delay: float = 120.0  # seconds an agent message may stay unread before it is emailed
    # Where visitors reach this server (https://support.example.com): the rating email's links
    # point there; without it no rating is asked for by email.
    public_url: str = ""
    # Webhooks (TEAMS.md, "Webhooks and API keys"): endpoints on loopback, private, link-local
    # and other non-public addresses are refused unless this is on (a receiver on the same
    # machine or network).
    webhook_allow_private: bool = False
    # Seconds before each retry of a webhook delivery (Standard Webhooks' schedule: about a
    # day); after the last one it has failed. Tests shorten it.
    webhook_retries: tuple[float, ...] = WEBHOOK_RETRIES
    limits: Limits = field(default_factory=Limits)
    # What time it is for business hours (and nothing else): the real time; tests move it.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), repr=False)

    def __post_init__(self) -> None:
        if self.synchronous not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}")
        if isinstance(self.database, str) and not is_database_url(self.database):
            object.__setattr__(self, "database", Path(self.database))  # a file's name, as given

    @property
    def uses_postgresql(self) -> bool:
        return is_database_url(self.database)

    @property
    def data_dir(self) -> Path:
        """Where files/ and the secret key live: --data-dir, else the SQLite file's folder, else
        data/ (a cluster gives every node the same shared folder)."""
        if self.data_folder is not None:
            return self.data_folder
        if isinstance(self.database, Path):
            return self.database.parent
        return Path("data")

    @property
    def database_label(self) -> str:
        """The database as it may be logged: a URL's password replaced by ***."""
        return hide_password(str(self.database))

    def with_secret(self) -> Settings:
        """Return these settings with a secret key, generating and keeping one if none was given.

        The key is stored beside the database so that cookies survive restarts.
        """
        if self.secret_key:
            return self
        path = self.data_dir / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return replace(self, secret_key=path.read_text().strip())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return cls.from_args([], environ)

    @classmethod
    def from_args(cls, argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from command-line flags, falling back to SWITCHBOARD_* variables."""
        env = os.environ if environ is None else environ
        args = build_parser(env).parse_args(list(argv))
        limits = Limits(
            **{
                f.name: int(env[ENV_PREFIX + f.name.upper()])
                for f in fields(Limits)
                if ENV_PREFIX + f.name.upper() in env
            }
        )
        origins = tuple(o.strip().rstrip("/") for o in args.allowed_origins.split(",") if o.strip())
        return cls(
            host=args.host,
            port=args.port,
            database=args.database if is_database_url(args.database) else Path(args.database),
            data_folder=Path(args.data_dir) if args.data_dir else None,
            secret_key=args.secret_key,
            demo_data=args.demo_data,
            synchronous=args.synchronous.upper(),
            allowed_origins=origins,
            backplane_url=args.backplane_url,
            forwarded_allow_ips=args.forwarded_allow_ips,
            ai_enabled=args.ai,
            ws_impl=args.ws,
            ws_deflate=args.ws_per_message_deflate,
            smtp_url=args.smtp_url,
            mail_from=args.mail_from,
            imap_url=args.imap_url,
            email_delay=args.email_delay,
            public_url=args.public_url.strip().rstrip("/"),
            webhook_allow_private=args.webhook_allow_private,
            webhook_retries=_seconds_list(env.get(ENV_PREFIX + "WEBHOOK_RETRIES", ""))
            or WEBHOOK_RETRIES,
            gemini_api_key=env.get("GEMINI_API_KEY", ""),
            gemini_model=env.get("GEMINI_MODEL", "gemini-2.5-flash"),
            gemini_base_url=env.get("GEMINI_BASE_URL", ""),
            ai_timeout=float(env.get(ENV_PREFIX + "AI_TIMEOUT", "8")),
            ai_reply_delay=float(env.get(ENV_PREFIX + "AI_REPLY_DELAY", "0.25")),
            presence_grace=float(env.get(ENV_PREFIX + "PRESENCE_GRACE", "30")),
            knowledge_dir=Path(env[ENV_PREFIX + "KNOWLEDGE_DIR"])
            if env.get(ENV_PREFIX + "KNOWLEDGE_DIR")
            else None,
            limits=limits,
        )


def is_database_url(value: object) -> bool:
    """Whether --database names a PostgreSQL server rather than a SQLite file."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def hide_password(url: str) -> str:
    """A database URL as it may be logged or shown: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _seconds_list(value: str) -> tuple[float, ...]:
    """`5,300,1800`: seconds, comma-separated (empty: none)."""
    return tuple(float(part) for part in value.split(",") if part.strip())


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(ENV_PREFIX + name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """The `python app.py` flags; each one defaults to its SWITCHBOARD_* variable."""
    get = env.get
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Switchboard: real-time customer support chat. "
        "Every flag can also be set by the SWITCHBOARD_* variable named in brackets.",
        epilog="To add an agent: python app.py create-agent --email EMAIL --name NAME "
        "[--admin] [--database FILE] (see python app.py create-agent --help).",
    )
    parser.add_argument(
        "--host",
        default=get(ENV_PREFIX + "HOST", "127.0.0.1"),
        help="address to listen on [SWITCHBOARD_HOST] (default 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(get(ENV_PREFIX + "PORT", "8000")),
        help="port to listen on [SWITCHBOARD_PORT] (default 8000)",
    )
    parser.add_argument(
        "--database",
        default=get(ENV_PREFIX + "DATABASE", "data/chat.db"),
        help="SQLite file, or postgresql://USER:PASSWORD@HOST:PORT/DB [SWITCHBOARD_DATABASE] "
        "(default data/chat.db)",
    )
    parser.add_argument(
        "--data-dir",
        default=get(ENV_PREFIX + "DATA_DIR", ""),
        help="folder of uploaded files and the generated secret key [SWITCHBOARD_DATA_DIR] "
        "(default: the SQLite file's folder, or data/ with PostgreSQL)",
    )
    parser.add_argument(
        "--secret-key",
        default=get(ENV_PREFIX + "SECRET_KEY", ""),
        help="key that signs cookies [SWITCHBOARD_SECRET_KEY]; when empty one "
        "is generated and kept in the database's folder",
    )
    parser.add_argument(
        "--demo-data",
        action=argparse.BooleanOptionalAction,
        default=_flag(env, "DEMO_DATA", True),
        help="create the demo agents on a new database [SWITCHBOARD_DEMO_DATA=0 "
        "turns it off] (default on)",
    )
    parser.add_argument(
        "--synchronous",
        default=get(ENV_PREFIX + "SYNCHRONOUS", "FULL"),
        choices=[*SYNCHRONOUS_LEVELS, *(s.lower() for s in SYNCHRONOUS_LEVELS)],
        help="SQLite durability: FULL survives a power cut, NORMAL survives a "
        "crash of the process only [SWITCHBOARD_SYNCHRONOUS] (default FULL)",
    )
    parser.add_argument(
        "--allowed-origins",
        default=get(ENV_PREFIX + "ALLOWED_ORIGINS", ""),
        help="comma-separated extra origins allowed to open cookie-authenticated "
        "sockets and post forms [SWITCHBOARD_ALLOWED_ORIGINS]",
    )
    parser.add_argument(
        "--backplane-url",
        default=get(ENV_PREFIX + "BACKPLANE_URL", "memory://"),
        help="pub/sub between processes [SWITCHBOARD_BACKPLANE_URL] "
        "(default memory://, one process)",
    )
    parser.add_argument(
        "--smtp-url",
        default=get(ENV_PREFIX + "SMTP_URL", ""),
        help="where email goes out [SWITCHBOARD_SMTP_URL]: smtp://user:pass@host:port "
        "(?starttls=1) or smtps://…; email is off without it",
    )
    parser.add_argument(
        "--mail-from",
        default=get(ENV_PREFIX + "MAIL_FROM", ""),
        help="the team's address [SWITCHBOARD_MAIL_FROM]; replies go to its +token subaddress",
    )
    parser.add_argument(
        "--imap-url",
        default=get(ENV_PREFIX + "IMAP_URL", ""),
        help="the mailbox replies arrive in [SWITCHBOARD_IMAP_URL]: "
        "imap://user:pass@host:port/INBOX or imaps://…",
    )
    parser.add_argument(
        "--email-delay",
        type=float,
        default=float(get(ENV_PREFIX + "EMAIL_DELAY", "120")),
        help="seconds an agent's message may stay unread before it is emailed "
        "[SWITCHBOARD_EMAIL_DELAY] (default 120)",
    )
    parser.add_argument(
        "--public-url",
        default=get(ENV_PREFIX + "PUBLIC_URL", ""),
        help="where visitors reach this server, e.g. https://support.example.com "
        "[SWITCHBOARD_PUBLIC_URL]; the rating email links to its /rate page "
        "(no rating email without it)",
    )
    parser.add_argument(
        "--webhook-allow-private",
        action=argparse.BooleanOptionalAction,
        default=_flag(env, "WEBHOOK_ALLOW_PRIVATE", False),
        help="let webhooks go to loopback and private addresses "
        "[SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1] (default off)",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        default=get(ENV_PREFIX + "FORWARDED_ALLOW_IPS", "127.0.0.1"),
        help="proxies whose X-Forwarded-For/-Proto are trusted "
        "[SWITCHBOARD_FORWARDED_ALLOW_IPS] (default 127.0.0.1)",
    )
    parser.add_argument(
        "--ai",
        action=argparse.BooleanOptionalAction,
        default=_flag(env, "AI", True),
        help="let the AI answer new conversations first [SWITCHBOARD_AI=0 turns "
        "it off] (default on)",
    )
    parser.add_argument(
        "--ws",
        default=get(ENV_PREFIX + "WS", "direct"),
        choices=["direct", "websockets-sansio", "websockets", "wsproto"],
        help="uvicorn's WebSocket implementation [SWITCHBOARD_WS] (default direct: "
        "websockets-sansio with frames written straight to the socket, chat/transport.py; "
        "chosen by measurement: see README)",
    )
    parser.add_argument(
        "--ws-per-message-deflate",
        action=argparse.BooleanOptionalAction,
        default=_flag(env, "WS_PER_MESSAGE_DEFLATE", False),
        help="compress socket frames [SWITCHBOARD_WS_PER_MESSAGE_DEFLATE] "
        "(default off: it costs memory and CPU per socket; see README)",
    )
    return parser
