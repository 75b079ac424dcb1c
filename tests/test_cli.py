"""The command line explains itself: every command and option has its line of help, the help
says what a command writes, and --version answers."""

import argparse

import pytest

from pipelines import cli


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found |= {f"{name} {k}": v for k, v in _commands(sub).items()}
    return found


def test_every_command_and_option_has_help(capsys) -> None:
    parser = cli.build_parser()
    commands = _commands(parser)
    assert {"refresh", "import", "homes", "dashboard", "serve", "report", "utfordringsnotat",
            "schema-docs", "catalog", "snapshot", "ui"} <= set(commands)  # fmt: skip
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    top = capsys.readouterr().out
    for name in (c for c in commands if " " not in c):
        assert f"    {name}" in top, name  # each command listed with its line
    for name, sub in commands.items():
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if action.help == argparse.SUPPRESS:
                continue  # kept for old scripts, not offered
            assert action.help, (name, action.dest)
    # what the help says a command writes is what it writes (tests/test_publish_gate.py)
    assert "PDF, Word and HTML" in commands["report"].format_help()
    assert "own_measure" in commands["import"].format_help()


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("malestokk ") and out.split()[1][0].isdigit()
