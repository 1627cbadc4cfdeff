"""range/commands/play.py: ``grapevine play`` as a process, reached over HTTP."""

from __future__ import annotations

import re
import signal
import textwrap
from pathlib import Path

import pytest
from taxii2client.v21 import Collection

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from indicators.users import PasswordPolicy, Role, User
from range.cli import main
from tests.range.processes import launch, stop


def _example(lines: list[str]) -> str:
    """The Python example play printed (the indented block after its heading)."""
    start = next(i for i, line in enumerate(lines) if "publish an indicator" in line) + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_the_printed_publish_example_runs_and_the_indicator_reads_back(tmp_path: Path) -> None:
    proc, lines = launch("play", "--team", "cert-fr", env={"TMPDIR": str(tmp_path)})
    try:
        text = "\n".join(lines)
        assert "Ctrl-C" in text, text
        identity = re.search(r"your team publishes as (identity--\S+)", text).group(1)
        url = re.search(r"your collection: (\S+)", text).group(1)
        password = re.search(r"user player, password (\S+)", text).group(1)
        example = _example(lines)
        assert "from taxii2client.v21 import Collection" in example
        namespace: dict = {}
        exec(compile(example, "<play example>", "exec"), namespace)
        indicator = namespace["indicator"]
        assert namespace["status"].success_count == 1
        back = Collection(url, user="player", password=password).get_object(indicator["id"])
        (obj,) = back["objects"]
        assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]
        assert obj["created_by_ref"] == identity
    finally:
        assert stop(proc) == 0


def test_sigterm_removes_the_temporary_store(tmp_path: Path) -> None:
    proc, lines = launch("play", env={"TMPDIR": str(tmp_path)})
    try:
        text = "\n".join(lines)
        assert "Ctrl-C" in text, text
        store_dir = Path(re.search(r"\(store (\S+)\)", text).group(1)).parent
        assert store_dir.parent == tmp_path and store_dir.name.startswith("grapevine-play-")
        assert store_dir.is_dir()
    finally:
        code = stop(proc, signal.SIGTERM)
    assert code == 0, proc.stderr.read()
    assert not store_dir.exists()
    assert list(tmp_path.iterdir()) == []


def _store_with_player(path: Path, team: str | None, role: Role = Role.TEAM) -> str:
    with Store.open(path) as store:
        store.add_user(User("player", role, team), PasswordPolicy().hash("a long password"))
    return str(path)


def test_a_player_of_another_team_is_refused_naming_its_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _store_with_player(tmp_path / "p.db", "cert-de")
    assert main(["play", "--db", db, "--team", "cert-fr"]) == 2
    err = capsys.readouterr().err
    assert f"user 'player' in {db} plays team cert-de" in err
    assert "--team cert-de" in err
    with Store.open(db) as store:
        assert store.user("player")[0].team == "cert-de"
        assert "cert-fr" not in store.teams().values()


def test_a_player_who_is_not_a_team_user_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _store_with_player(tmp_path / "p.db", None, Role.DIRECTOR)
    assert main(["play", "--db", db]) == 2
    assert "user 'player' in" in capsys.readouterr().err


def test_play_refuses_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "typo.db"
    assert main(["play", "--db", str(typo)]) == 2
    assert f"no store there: {typo}" in capsys.readouterr().err
    assert not typo.exists()
