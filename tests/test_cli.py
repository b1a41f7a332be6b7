"""The provenance command: every verb documented, user mistakes end in one line and exit 2."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.cli import build_parser, main
from tests.harness import ROOT

VERBS = [
    "crawl",
    "nightly",
    "watch",
    "report",
    "db",
    "match",
    "export",
    "trace",
    "outlets",
    "stats",
]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    assert "usage: provenance " + verb in capsys.readouterr().out


def test_console_script_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and all(v in done.stdout for v in VERBS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["crawl", "--db", "{db}"], "give seed URLs"),
        (["crawl", "--seeds", "{tmp}/missing.txt", "--db", "{db}"], "seed file not found"),
        (["outlets", "--db", "{db}"], "no articles in the database"),
        (["export", "--db", "{db}", "--level", "outlet"], "no articles in the database"),
        (["stats", "--db", "postgresql://nobody@127.0.0.1:1/none"], "cannot use the database"),
        (["db", "upgrade", "--db", "nosuchdriver://x/y"], "database"),
        (["stats", "--db", "{tmp}/newer.db"], "newer version"),
    ],
)
def test_mistakes_end_in_one_message(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = sqlite3.connect(tmp_path / "newer.db")
    newer.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    newer.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    newer.commit()
    newer.close()
    argv = [a.format(db=tmp_path / "empty.db", tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_locked_database_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "locked.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        code = main(["match", "--db", str(db), "--quiet"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 2 and "locked" in err and "Traceback" not in err


def test_settings_must_be_name_value() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["crawl", "--set", "lowercase=1"])
    args = parser.parse_args(["crawl", "--set", "DOWNLOAD_DELAY=0", "http://x.test/"])
    assert args.set == [("DOWNLOAD_DELAY", "0")]
