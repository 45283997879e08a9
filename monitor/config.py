"""Configuration: `config.toml`, validated at load so that a typo stops with a message naming it.

Every section is a dataclass; its fields are the keys a user may write and their defaults. An
unknown key or a value of the wrong type raises `ConfigError` naming the file and the key.
Relative paths are relative to the folder of the config file.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from monitor.errors import ConfigError

DEFAULT_CONFIG_NAME = "config.toml"
# The commented starter config that `monitor init` writes; the repository's config.toml is a copy.
STARTER_CONFIG = Path(__file__).with_name("config_template.toml")
REPORT_FORMATS = ("md", "html", "json", "atom")


@dataclass
class WatchConfig:
    paths: list[str] = field(default_factory=lambda: ["seeds"])
    include: list[str] = field(default_factory=lambda: ["*.txt", "*.md", "*.markdown", "*.html", "*.htm"])
    exclude: list[str] = field(default_factory=list)
    debounce_seconds: float = 2.0
    max_file_size: int = 20 * 1024 * 1024


@dataclass
class DatabaseConfig:
    path: str = "monitor.db"


@dataclass
class MailConfig:
    enabled: bool = False
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str = ""
    # The password is read from this environment variable, never stored in the file.
    password_env: str = ""
    sender: str = "monitor@localhost"
    recipients: list[str] = field(default_factory=list)
    timeout_seconds: float = 30.0


@dataclass
class ReportsConfig:
    folder: str = "reports"
    formats: list[str] = field(default_factory=lambda: list(REPORT_FORMATS))
    # A folder whose templates override the packaged ones ("" for none).
    templates: str = ""
    notify_unchanged: bool = False
    # Filters: only these entities ([] for all), only these fact kinds ([] for all), and
    # rate changes smaller than this many percentage points are left out.
    entities: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    min_rate_change: float = 0.0
    # Run with the path of each new digest ("" for none).
    command: str = ""
    mail: MailConfig = field(default_factory=MailConfig)


@dataclass
class ScheduleConfig:
    rescan_minutes: float = 15.0
    # Local time of the daily digest, "HH:MM".
    digest_time: str = "08:00"


@dataclass
class ExtractConfig:
    # Extra entity names to recognise (a watch list), and aliases mapping a name to a canonical one.
    entities: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass
class Config:
    watch: WatchConfig = field(default_factory=WatchConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    # The file this was loaded from (None for built-in defaults); paths resolve against its folder.
    source: Path | None = None

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def watch_paths(self) -> list[Path]:
        return [self.resolve(p) for p in self.watch.paths]

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database.path)

    @property
    def reports_folder(self) -> Path:
        return self.resolve(self.reports.folder)

    @property
    def templates_folder(self) -> Path | None:
        return self.resolve(self.reports.templates) if self.reports.templates else None


def starter_config() -> str:
    """The text of a commented config.toml with every key at its default."""
    return STARTER_CONFIG.read_text(encoding="utf-8")


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file; with no path, `./config.toml` if present, else defaults."""
    if path is None:
        default = Path.cwd() / DEFAULT_CONFIG_NAME
        if not default.exists():
            return Config()
        path = default
    path = Path(path).resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config file: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    config = _build(Config, data, path, prefix="")
    config.source = path
    _check_values(config, path)
    return config


def _build(cls: type, data: dict[str, Any], path: Path, prefix: str) -> Any:
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = sorted(set(data) - names)
    if unknown:
        key = prefix + unknown[0]
        raise ConfigError(f"{path}: unknown key '{key}' (allowed here: {', '.join(sorted(names))})")
    values = {}
    for name, raw in data.items():
        expected = hints[name]
        key = prefix + name
        if dataclasses.is_dataclass(expected):
            if not isinstance(raw, dict):
                raise ConfigError(f"{path}: '{key}' must be a table ([{key}])")
            values[name] = _build(expected, raw, path, prefix=key + ".")
        else:
            values[name] = _coerce(raw, expected, path, key)
    return cls(**values)


def _coerce(raw: Any, expected: Any, path: Path, key: str) -> Any:
    origin = get_origin(expected)
    if origin is list:
        (item,) = get_args(expected)
        if not isinstance(raw, list) or not all(_is(v, item) for v in raw):
            raise ConfigError(f"{path}: '{key}' must be a list of {item.__name__}, got {raw!r}")
        return list(raw)
    if origin is dict:
        _, item = get_args(expected)
        if not isinstance(raw, dict) or not all(_is(v, item) for v in raw.values()):
            raise ConfigError(f"{path}: '{key}' must be a table of {item.__name__} values, got {raw!r}")
        return dict(raw)
    if not _is(raw, expected):
        raise ConfigError(f"{path}: '{key}' must be {expected.__name__}, got {raw!r}")
    return float(raw) if expected is float else raw


def _is(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _check_values(config: Config, path: Path) -> None:
    if config.watch.debounce_seconds < 0:
        raise ConfigError(f"{path}: 'watch.debounce_seconds' must not be negative")
    if config.watch.max_file_size <= 0:
        raise ConfigError(f"{path}: 'watch.max_file_size' must be a positive number of bytes")
    if config.schedule.rescan_minutes <= 0:
        raise ConfigError(f"{path}: 'schedule.rescan_minutes' must be positive")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", config.schedule.digest_time):
        raise ConfigError(f"{path}: 'schedule.digest_time' must be HH:MM, got {config.schedule.digest_time!r}")
    bad = [f for f in config.reports.formats if f not in REPORT_FORMATS]
    if bad:
        raise ConfigError(f"{path}: 'reports.formats' has unknown format {bad[0]!r} (known: {', '.join(REPORT_FORMATS)})")
    if not config.database.path:
        raise ConfigError(f"{path}: 'database.path' must not be empty")
