"""The provenance command: every verb documented, user mistakes end in one line and exit 2."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from crawler.cli import build_parser, main
from crawler.crawl import PLACEHOLDER_CONTACT_URL, crawl_settings, user_agent
from crawler.db.migrate import upgrade
from crawler.db.models import Link, Page
from crawler.db.session import make_engine
from graph.measures import OUTLET_LEGEND
from tests.corpus import add_article, day, paragraphs
from tests.harness import ROOT

VERBS = [
    "crawl",
    "nightly",
    "discover",
    "watch",
    "report",
    "db",
    "match",
    "export",
    "trace",
    "compare",
    "outlets",
    "stats",
    "evidence",
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


# --- a small database: a wire story, a credited copy reached through a redirect -------

WIRE = "https://wire.test/quake"
COPY = "https://paper.test/news/quake"
OLD = "https://paper.test/?p=17"  # redirects to COPY
CREDIT = "This story first appeared on Wire News."


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file: the wire story (published 2024), a credited copy, an unrelated
    undated article; first seen in 2026 (crawl time), matched."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    story = "\n\n".join(paragraphs("quake", 8))
    with Session(engine) as s, s.begin():
        add_article(s, WIRE, story, published=day(1).replace(year=2024))
        add_article(s, COPY, story + "\n\n" + CREDIT, published=day(2).replace(year=2024),
                    links=[("attribution", WIRE)])  # fmt: skip
        add_article(s, "https://blog.test/other", "\n\n".join(paragraphs("other", 6)))
        s.execute(update(Link).values(context=CREDIT, anchor_text="Wire News"))
        final = s.query(Page).filter_by(url=COPY).one()
        s.add(Page(url=OLD, final_url=COPY, outlet_id=final.outlet_id, fetch_status="ok"))
    engine.dispose()
    assert main(["match", "--db", str(path), "--quiet"]) == 0
    return path


# --- every mistake: one line on stderr, exit status 2, no traceback ---------------------


@pytest.fixture
def files(tmp_path: Path, demo: Path) -> dict[str, str]:
    newer = sqlite3.connect(tmp_path / "newer.db")
    newer.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    newer.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    newer.commit()
    newer.close()
    empty = tmp_path / "empty.db"
    upgrade(make_engine(f"sqlite:///{empty}"))
    (tmp_path / "bad-seeds.txt").write_text("# only mistakes\nnot a url\nftp://x.test/\n")
    return {"tmp": str(tmp_path), "db": str(empty), "demo": str(demo)}


MISTAKES = [
    # (argv, words the one line must hold)
    (["crawl", "--db", "{db}"], "give seed URLs"),
    (["crawl", "--seeds", "{tmp}/missing.txt", "--db", "{db}"], "seed file not found"),
    (["crawl", "--seeds", "{tmp}/bad-seeds.txt", "--db", "{db}"], "no valid seed URL"),
    (["crawl", "not-a-url", "--db", "{db}"], "no valid seed URL"),
    (["crawl", "http://a.test/", "--max-pages", "0"], "--max-pages: must be 1 or more"),
    (["crawl", "http://a.test/", "--max-pages", "-5"], "--max-pages: must be 1 or more"),
    (["crawl", "http://a.test/", "--max-pages", "ten"], "not a whole number"),
    (["crawl", "http://a.test/", "--depth", "-1"], "--depth: must be 0 or more"),
    (["crawl", "http://a.test/", "--progress", "-1"], "--progress: must be 0 or more"),
    (["crawl", "http://a.test/", "--log-level", "LOUD"], "invalid choice: 'LOUD'"),
    (["crawl", "http://a.test/", "--set", "DOWNLOAD_DELAY=abc"], "takes a number"),
    (["crawl", "http://a.test/", "--set", "DOWNLOAD_DELAY=-1"], "takes a number"),
    (["crawl", "http://a.test/", "--set", "ROBOTSTXT_OBEY=maybe"], "takes true or false"),
    (["crawl", "http://a.test/", "--set", "NONSENSE=1"], "unknown setting 'NONSENSE'"),
    (["crawl", "http://a.test/", "--set", "lowercase=1"], "upper-case NAME"),
    (["crawl", "http://a.test/", "--set", "PROVENANCE_CONTACT_URL=me"], "http(s) URL"),
    (["crawl", "http://a.test/", "--db", "mysql://u@h/db"], "unsupported database 'mysql'"),
    (["nightly", "--max-pages", "0"], "must be 1 or more"),
    (["nightly", "--db", "{tmp}/typo.db"], "no database at"),
    (["watch", "remove", "--db", "{db}"], "watch remove needs a URL"),
    (["watch", "add", "--db", "{db}"], "watch add needs a URL"),
    (["watch", "add", "ftp://x", "--db", "{db}"], "not an http(s) URL"),
    (["watch", "remove", "https://never.test/", "--db", "{db}"], "not watched"),
    (["stats", "--db", "mysql://u@h/db"], "unsupported database 'mysql'"),
    (["stats", "--db", "{tmp}/typo/demo.db"], "no database at"),
    (["outlets", "--db", "{tmp}/typo.db"], "no database at"),
    (["stats", "--db", "postgresql://nobody@127.0.0.1:1/none"], "cannot use the database"),
    (["db", "upgrade", "--db", "nosuchdriver://x/y"], "unsupported database"),
    (["stats", "--db", "{tmp}/newer.db"], "newer version"),
    (["outlets", "--db", "{db}"], "no articles in the database"),
    (["outlets", "--db", "{demo}", "--top", "0"], "must be 1 or more"),
    (["export", "--db", "{db}", "--level", "outlet"], "no articles in the database"),
    (["export", "--db", "{demo}", "--until", "2001-01-01"], "no article published in that"),
    (["export", "--db", "{demo}", "--since", "yesterday"], "not an ISO 8601 date"),
    (["export", "--db", "{demo}", "--min-confidence", "2"], "must be between 0 and 1"),
    (["export", "--db", "{demo}", "--min-confidence", "x"], "not a number"),
    (["export", "--db", "{demo}", "--format", "csv"], "csv writes two files"),
    (["export", "--db", "{demo}", "-o", "-", "--format", "csv"], "csv writes two files"),
    (["export", "--db", "{demo}", "-o", "{tmp}/graph"], "cannot tell the format"),
    (["export", "--db", "{demo}", "-o", "{tmp}/graph.txt"], "unknown format 'txt'"),
    (["export", "--db", "{demo}", "--level", "story", "-o", "{tmp}/s.gexf"], "unknown format"),
    (["export", "--db", "{demo}", "-o", "/proc/no/such/dir/x.json"], "cannot write"),
    (["trace", "https://nowhere.test/x", "--db", "{demo}"], "unknown article"),
    (["compare", WIRE, "https://nowhere.test/x", "--db", "{demo}"], "unknown article"),
    (["compare", WIRE, "https://blog.test/other", "--db", "{demo}"], "no shared text"),
    (["compare", WIRE, WIRE, "--db", "{demo}"], "the same article"),
    (["report", "--since-last-run", "--since", "2026-01-01"], "not allowed with argument"),
    (["evidence", "--db", "{demo}"], "give the URL of a crawled page"),
    (["nosuchverb"], "invalid choice"),
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own mistakes
        code = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("argv", "message"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_mistakes_end_in_one_message(
    argv: list[str], message: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([a.format(**files) for a in argv], capsys)
    assert code == 2, err
    assert message in err and "Traceback" not in err and err.count("\n") == 1, err


def test_read_only_commands_create_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for verb in (["stats"], ["outlets"], ["export"], ["trace", "x"], ["report"], ["match"],
                 ["compare", "x", "y"], ["nightly"], ["watch", "list"]):  # fmt: skip
        assert run([*verb, "--db", str(tmp_path / "typo" / "x.db")], capsys)[0] == 2
    assert list(tmp_path.iterdir()) == []


def test_locked_database_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "locked.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        codes = [
            run(["match", "--db", str(db), "--quiet"], capsys),
            run(["watch", "add", "https://outlet.test/", "--db", str(db)], capsys),
        ]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for code, _, err in codes:
        assert code == 2 and "locked" in err and "Traceback" not in err, err
        assert err.count("\n") == 1, err


def test_settings_must_be_name_value() -> None:
    parser = build_parser()
    args = parser.parse_args(["crawl", "--set", "DOWNLOAD_DELAY=0", "http://x.test/"])
    assert args.set == [("DOWNLOAD_DELAY", "0")]


@pytest.mark.parametrize(
    ("overrides", "agent"),
    [
        ([], user_agent(PLACEHOLDER_CONTACT_URL)),
        ([("PROVENANCE_CONTACT_URL", "https://lab.example/crawl")],
         "provenance-crawler/0.1 (+https://lab.example/crawl)"),
        ([("PROVENANCE_CONTACT_URL", "https://lab.example/crawl"), ("USER_AGENT", "mine")],
         "mine"),
    ],
)  # fmt: skip
def test_contact_url_reaches_the_user_agent(overrides, agent) -> None:
    settings = crawl_settings("sqlite:///x.db", overrides=overrides)
    assert settings.get("USER_AGENT") == agent


def test_placeholder_contact_warns_for_real_sites(tmp_path: Path) -> None:
    """Once in the log (stderr) and once in the summary. The seed is under ``.example``
    (reserved, never a real site) and the proxy a closed local port: nothing leaves."""
    env = {k: v for k, v in os.environ.items() if k != "PROVENANCE_CONTACT_URL"}
    env["http_proxy"] = "http://127.0.0.1:9"  # nothing listens: nothing leaves the machine
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "http://news.example/", "--db",
         str(tmp_path / "x.db"), "--quiet", "--set", "RETRY_ENABLED=false",
         "--set", "PROVENANCE_EXTRACT_WORKERS=1"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("placeholder contact URL") == 1
    assert done.stdout.count("placeholder contact URL") == 1


# --- what works: export, trace, compare, outlets on the small database -----------------


def test_export_to_standard_output_is_a_stream(demo: Path, tmp_path: Path) -> None:
    """JSON, GEXF and GraphML to a pipe, with no -o and with -o -; no file named '-'."""
    for fmt, first in (("json", b'{"directed"'), ("gexf", b"<?xml"), ("graphml", b"<?xml")):
        for out in ([], ["-o", "-"]):
            done = subprocess.run(
                [sys.executable, "-m", "crawler.cli", "export", "--db", str(demo),
                 "--level", "article", "--format", fmt, *out],
                cwd=tmp_path, capture_output=True, timeout=60,
            )  # fmt: skip
            assert done.returncode == 0 and done.stderr == b"", done.stderr
            assert done.stdout.startswith(first) and WIRE.encode() in done.stdout
    assert list(tmp_path.iterdir()) == []
    assert json.loads(_export(demo, tmp_path))["nodes"]


def _export(demo: Path, cwd: Path, *extra: str) -> bytes:
    """The export's standard output (``extra`` after ``--level article``: a later
    ``--level`` wins)."""
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "export", "--db", str(demo),
                           "--level", "article", *extra],
                          cwd=cwd, capture_output=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_broken_pipe_ends_quietly(demo: Path) -> None:
    """``provenance ... | head -c 10``: no message, no traceback, SIGPIPE's status."""
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    code = (
        "import sys; from crawler.cli import main; from graph import export\n"
        "export._CHUNK_ROWS = 1  # write node by node, after the reader left\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "export", "--db", str(demo), "--level", "article"],
        cwd=ROOT, stdout=reader.stdin, stderr=subprocess.PIPE, timeout=60,
    )  # fmt: skip
    reader.stdin.close()
    reader.wait()
    # The pipe may hold all of a small export before head exits: then all went well.
    assert done.returncode in (0, 141) and done.stderr == b"", done.stderr


def test_broken_pipe_is_quiet_when_the_reader_is_gone(demo: Path) -> None:
    r, w = os.pipe()
    os.close(r)  # the reader has left before anything is written
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "outlets", "--db", str(demo)],
        cwd=ROOT, stdout=w, stderr=subprocess.PIPE, timeout=60,
    )  # fmt: skip
    os.close(w)
    assert done.returncode == 141 and done.stderr == b"", done.stderr


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="no /proc/self/fd")
def test_special_files_are_written_through(demo: Path, tmp_path: Path) -> None:
    """-o of a /dev/stdout-like symlink, a symlink to a file and a named pipe: written in
    place, never replaced by a rename. (A copy of /dev/stdout in tmp_path: were this to
    regress, run as root, the real one would be replaced for the whole machine.)"""
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    data = _export(demo, tmp_path, "--format", "json", "-o", str(stdout))
    assert json.loads(data)["nodes"] and stdout.is_symlink()
    target = tmp_path / "real.json"
    target.write_text("")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    _export(demo, tmp_path, "-o", str(link))
    assert link.is_symlink() and json.loads(target.read_text())["nodes"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    _export(demo, tmp_path, "--format", "gexf", "-o", str(fifo))
    assert reader.communicate(timeout=60)[0].startswith(b"<?xml")
    assert fifo.is_fifo()
    names = ["fifo", "link.json", "real.json", "stdout"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names


@pytest.mark.parametrize(
    ("window", "nodes"),
    [
        ([], 3),
        # published 2024 (first seen 2026): a window on crawl time would find nothing
        (["--until", "2025-01-01"], 2),
        (["--since", "2024-01-02", "--until", "2024-01-02"], 2),  # the copy and its source
        (["--until", "2024-01-01T12:00:00"], 0),  # until is exclusive: answered, exit 2
        (["--since", "2024-01-01T12:00:00", "--until", "2024-01-01"], 1),  # since inclusive
        (["--since", "2024-01-01T12:00:01", "--until", "2024-01-01"], 0),
        (["--since", "2025-01-01"], 1),  # the undated article, by first seen (2026)
        (["--since", "2026-01-02"], 0),
    ],
)
def test_export_window_is_on_publication_dates(
    demo: Path, window: list[str], nodes: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["export", "--db", str(demo), "--level", "article", *window], capsys)
    if nodes == 0:
        assert code == 2 and "no article published in that date range" in err
        return
    assert code == 0, err
    assert len(json.loads(out)["nodes"]) == nodes


@pytest.mark.parametrize(("threshold", "edges"), [("0", 1), ("0.5", 1), ("1", 0)])
def test_export_min_confidence(
    demo: Path, threshold: str, edges: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for level, key in (("article", "edges"), ("outlet", "edges")):
        code, out, err = run(["export", "--db", str(demo), "--level", level,
                              "--min-confidence", threshold], capsys)  # fmt: skip
        assert code == 0, err
        assert len(json.loads(out)[key]) == edges


def test_export_format_follows_the_extension(demo: Path, tmp_path: Path) -> None:
    for name, first in (("o.gexf", "<?xml"), ("o.graphml", "<?xml"), ("o.json", "{")):
        assert main(["export", "--db", str(demo), "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_text().startswith(first)
    assert "<gexf" in (tmp_path / "o.gexf").read_text()
    assert main(["export", "--db", str(demo), "-o", str(tmp_path / "o.csv")]) == 0
    head = (tmp_path / "o.edges.csv").read_text().splitlines()[0]
    assert head.startswith("copy,original,")


def test_trace_accepts_the_url_before_redirects_and_quotes_the_credit(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["trace", OLD, "--db", str(demo)], capsys)
    assert code == 0, err
    assert out.startswith(COPY) and f'credit: "{CREDIT}"' in out
    code, out, _ = run(["trace", OLD, "--db", str(demo), "--json"], capsys)
    assert json.loads(out)["chain"][0]["credit_phrase"] == CREDIT


def test_compare_shows_the_shared_passages(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["compare", OLD, WIRE, "--db", str(demo), "--color", "never"], capsys)
    assert code == 0, err
    assert "decision: A copies B" in out and "A credits its source" in out
    assert "⟦" in out and "│" in out and "signal " in out
    code, out, _ = run(["compare", WIRE, COPY, "--db", str(demo), "--color", "always"], capsys)
    assert "decision: B copies A" in out and "\x1b[7m" in out
    code, out, _ = run(["compare", WIRE, COPY, "--db", str(demo), "--json"], capsys)
    data = json.loads(out)
    assert data["decision"] == {"copy": COPY, "source": WIRE}
    assert 0 < data["confidence"] <= 1 and data["passages"]
    shared = data["passages"][0]
    assert shared["a"]["text"] and shared["a"]["text"] == shared["b"]["text"]


def test_outlets_explains_its_columns(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["outlets", "--db", str(demo)], capsys)
    assert code == 0
    legend = out.strip().splitlines()[-1]
    assert all(f"{c}: " in legend for c in OUTLET_LEGEND if c != "outlet")
    with pytest.raises(SystemExit):
        main(["outlets", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(" ".join(m.split()) in text for m in OUTLET_LEGEND.values())


# --- the README says what --help says ---------------------------------------------------


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _help(*verb: str) -> str:
    """``provenance VERB --help``, in this process, wide enough for one option a line."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out):
        mp.setenv("COLUMNS", "200")
        with pytest.raises(SystemExit):
            main([*verb, "--help"])
    return out.getvalue()


def _options(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text)) - {"--help"}


def test_readme_command_table_matches_help() -> None:
    table: dict[str, set[str]] = {}
    for row in re.findall(r"^\| `provenance .*$", _readme(), re.M):
        command = re.split(r"(?<!\\)\|", row)[1]  # the first cell; \| is a literal bar
        verb = command.split()[1]
        table.setdefault(verb, set()).update(_options(command))
    assert sorted(table) == sorted(VERBS)
    for verb, documented in table.items():
        shown = _help("db", "upgrade") if verb == "db" else _help(verb)
        assert documented == _options(shown), verb


def test_readme_export_attributes_match_the_export(demo: Path, tmp_path: Path) -> None:
    """Every attribute an export writes is listed (``- `name`...: meaning``), and no other."""
    section = _readme().split("\n## Exports", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for bullet in re.findall(r"^- (.*(?:\n  .*)*)", section, re.M):
        documented.update(re.findall(r"`([a-z_]+)`", bullet.split(":", 1)[0]))
    found: set[str] = set()
    for level in ("article", "outlet"):
        data = json.loads(_export(demo, tmp_path, "--level", level))
        for item in data["nodes"] + data["edges"]:
            found.update(k for k in item if k not in ("id", "source", "target"))
    for row in json.loads(_export(demo, tmp_path, "--level", "story")):
        found.update(row)
    assert documented == found
    assert _options(_help("export")) <= _options(section) | {"--db", "--level"}


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    yield
