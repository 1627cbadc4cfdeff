"""range/cli.py: assembling the command groups, usage on a missing command."""

from __future__ import annotations

from range.cli import main


def test_bare_grapevine_prints_usage_and_the_commands(capsys) -> None:
    code = main([])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("usage: grapevine")
    listed = {line.split()[0] for line in err.splitlines() if line.startswith("    ")}
    assert {"play", "serve", "users", "taxii", "scenario", "indicators"} <= listed
    assert err.rstrip().splitlines()[-1].startswith("error: grapevine: ")


def test_a_group_without_its_action_lists_the_actions(capsys) -> None:
    code = main(["users"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("usage: grapevine users")
    listed = {line.split()[0] for line in err.splitlines() if line.startswith("    ")}
    assert {"add", "list", "remove", "passwd"} <= listed


def test_other_usage_errors_stay_one_line(capsys) -> None:
    code = main(["scenario", "validate"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "FILE" in err
