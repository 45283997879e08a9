"""Configuration: the shipped file, validation that names the file and key, path resolution."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from monitor.config import Config, load_config, starter_config
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_shipped_config_is_the_defaults_and_the_starter_config():
    config = load_config(REPO / "config.toml")
    assert dataclasses.replace(config, source=None) == Config()
    assert (REPO / "config.toml").read_text() == starter_config()
    assert config.watch_paths == [REPO / "seeds"]
    assert config.database_path == REPO / "monitor.db"
    assert config.reports_folder == REPO / "reports"


def test_no_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source is None and config.database_path == tmp_path / "monitor.db"


def test_relative_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    path = (tmp_path / "conf" / "config.toml")
    path.write_text('[watch]\npaths = ["../docs", "/abs/elsewhere"]\n[database]\npath = "db/m.db"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(path)
    assert config.watch_paths == [tmp_path / "docs", Path("/abs/elsewhere")]
    assert config.database_path == tmp_path / "conf" / "db" / "m.db"


@pytest.mark.parametrize("text, message", [
    ("[watch]\npath = ['x']\n", "unknown key 'watch.path'"),
    ("[wach]\n", "unknown key 'wach'"),
    ("[reports.mail]\nhots = 'x'\n", "unknown key 'reports.mail.hots'"),
    ("[watch]\npaths = 'seeds'\n", "'watch.paths' must be a list of str"),
    ("[watch]\nmax_file_size = '1MB'\n", "'watch.max_file_size' must be int"),
    ("[watch]\nmax_file_size = true\n", "'watch.max_file_size' must be int"),
    ("[watch]\nmax_file_size = 0\n", "'watch.max_file_size' must be a positive"),
    ("[schedule]\ndigest_time = '8am'\n", "'schedule.digest_time' must be HH:MM"),
    ("[reports]\nformats = ['pdf']\n", "'reports.formats' has unknown format 'pdf'"),
    ("[extract]\naliases = { PRC = 1 }\n", "'extract.aliases' must be a table of str"),
    ("watch = 3\n", "'watch' must be a table"),
    ("[watch\n", "invalid TOML"),
])
def test_invalid_config_names_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_integers_are_accepted_for_floats(tmp_path):
    config = load_config(write(tmp_path, "[watch]\ndebounce_seconds = 1\n"))
    assert config.watch.debounce_seconds == 1.0 and isinstance(config.watch.debounce_seconds, float)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
