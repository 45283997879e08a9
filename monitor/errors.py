"""Exceptions that carry a message fit to show a user as it is."""


class MonitorError(Exception):
    """Base class: the message names the file, key or document at fault."""


class ConfigError(MonitorError):
    """The configuration file is missing, unreadable or invalid."""


class DocumentError(MonitorError):
    """A file could not be ingested (too large, binary, unreadable, vanished)."""


class AlreadyRunning(MonitorError):
    """Another daemon holds the lock for this database."""
