"""The README stays true: its schema, its example commands, its references and its Quick start."""
from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Config
from monitor.store import open_store

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    """The text of the `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def code_lines(text: str) -> list[str]:
    """Non-empty, non-comment lines of the ```bash blocks in `text`."""
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def documented_schema() -> dict[str, list[str]]:
    """`### name` headings of the Schema section and the column names of the table under each."""
    schema: dict[str, list[str]] = {}
    for block in re.split(r"^### ", section("Schema"), flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        name = heading.split()[0]
        schema[name] = re.findall(r"^\| `(\w+)` \|", body, re.M)
    return schema


def real_schema(db) -> dict[str, list[str]]:
    # FTS5 shadow tables and the migrations bookkeeping are SQLite's and sqlite-utils' business.
    shadow = re.compile(r"_fts_(data|idx|docsize|config|content)$")
    names = [n for n in db.table_names() if not n.startswith("_") and not shadow.search(n)]
    names += db.view_names()
    return {name: [c.name for c in db[name].columns] for name in names}


def test_schema_section_matches_a_fresh_database(tmp_path):
    db = open_store(tmp_path / "m.db")
    real = real_schema(db)
    db.close()
    documented = documented_schema()
    assert sorted(documented) == sorted(real), "tables/views documented vs. in the database"
    for name, columns in real.items():
        assert documented[name] == columns, f"README columns of {name}"


def test_quick_start_is_exactly_two_commands():
    lines = code_lines(section("Quick start"))
    assert len(lines) == 2
    install_and_run, install_and_test = lines
    assert install_and_run.startswith("python3 -m venv .venv && ") and install_and_run.endswith("monitor run")
    assert "pip install -e '.[test]'" in install_and_test and install_and_test.endswith("-m pytest -q")


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "-m pytest" in ci and "README.md" in ci
    assert os.access(REPO / ".ci" / "run", os.X_OK)


def test_every_command_is_in_the_cli_reference():
    reference = section("Command-line reference")
    for name in cli.commands:
        assert f"`monitor {name}" in reference, f"monitor {name} is not documented"


def test_every_config_key_is_in_the_configuration_reference():
    reference = section("Configuration")
    for key in _config_keys(Config()):
        assert f"`{key}`" in reference, f"{key} is not documented"


def _config_keys(obj: object, prefix: str = "") -> list[str]:
    keys = []
    for f in dataclasses.fields(obj):
        if f.name == "source":
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            keys += _config_keys(value, prefix + f.name + ".")
        else:
            keys.append(prefix + f.name)
    return keys


@pytest.fixture(scope="module")
def scanned_project(tmp_path_factory):
    """The shipped config and seeds in a fresh folder, scanned, as the README's commands expect."""
    folder = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "config.toml", folder / "config.toml")
    shutil.copytree(REPO / "seeds", folder / "seeds")
    result = CliRunner().invoke(cli, ["--config", str(folder / "config.toml"), "scan"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


INSPECT_COMMANDS = code_lines(section("Inspecting the database with sqlite-utils"))


def test_inspecting_section_has_commands():
    assert len(INSPECT_COMMANDS) >= 5


@pytest.mark.parametrize("command", INSPECT_COMMANDS)
def test_inspecting_commands_run(scanned_project, command):
    if not (BIN / "sqlite-utils").exists():
        pytest.skip("sqlite-utils is not installed beside this Python")
    args = shlex.split(command)
    result = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=scanned_project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"{command} printed nothing"
