"""The shared frontier's pieces: URL checks, key names, the CLI's refusals, and the
acknowledged Redis queue (pop, ack, push again, put back) against a local Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import main
from crawler.sharedfrontier import (
    FrontierError,
    RedisFrontier,
    check_frontier_url,
    frontier_prefix,
    frontier_settings,
)
from tests.conftest import redis_or_skip

REDIS_TEST_DB = "redis://127.0.0.1:6379/2"


@pytest.mark.parametrize(
    "url, ok",
    [
        ("redis://127.0.0.1:6379/1", True),
        ("redis://redis:6379/0", True),
        ("rediss://user:pw@host.example:6380/3", True),
        ("unix:///run/redis.sock?db=1", True),
        ("http://127.0.0.1:6379/1", False),
        ("127.0.0.1:6379", False),
        ("redis://", False),
        ("", False),
    ],
)
def test_frontier_urls(url: str, ok: bool) -> None:
    if ok:
        assert check_frontier_url(url) == url
    else:
        with pytest.raises(FrontierError):
            check_frontier_url(url)


@pytest.mark.parametrize(
    "db, prefix",
    [
        ("postgresql://postgres@127.0.0.1/media", "provenance:media"),
        ("postgresql://u:pw@postgres:5432/media", "provenance:media"),  # any host: one project
        ("postgresql+psycopg://u@db/other", "provenance:other"),
    ],
)
def test_keys_are_namespaced_by_database(db: str, prefix: str) -> None:
    assert frontier_prefix(db) == prefix
    settings = frontier_settings("redis://r:6379/1", db)
    assert settings["SCHEDULER_QUEUE_KEY"] == f"{prefix}:requests"
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == f"{prefix}:dupefilter"
    assert settings["SCHEDULER_PERSIST"] is True
    assert settings["DUPEFILTER_CLASS"].endswith("RedirectAwareRedisDupeFilter")


@pytest.mark.parametrize("frontier", ["", "redis://r:6379/1"])
def test_the_setting_alone_switches_the_scheduler(frontier: str) -> None:
    """``scrapy crawl trail -s PROVENANCE_FRONTIER=...`` runs on the shared frontier too:
    Scrapy's add-on step reads the setting, whoever set it."""
    from scrapy.addons import AddonManager
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PROVENANCE_DB", "postgresql://u@db/media", priority="cmdline")
    settings.set("PROVENANCE_FRONTIER", frontier, priority="cmdline")
    AddonManager(get_crawler()).load_settings(settings)  # what Scrapy does at start
    scheduler = settings["SCHEDULER"]
    if frontier:
        assert scheduler == "crawler.sharedfrontier.SharedScheduler"
        assert settings["REDIS_URL"] == frontier
        assert settings["SCHEDULER_QUEUE_KEY"] == "provenance:media:requests"
        assert settings["DUPEFILTER_CLASS"].endswith("RedirectAwareRedisDupeFilter")
    else:
        assert "sharedfrontier" not in str(scheduler)
        assert settings["DUPEFILTER_CLASS"] == "crawler.middlewares.RedirectAwareDupeFilter"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["crawl", "http://a.test/", "--db", "{tmp}/x.db", "--frontier", "redis://127.0.0.1/1"],
         "needs a shared database"),
        (["nightly", "--db", "{tmp}/x.db", "--frontier", "redis://127.0.0.1/1"],
         "needs a shared database"),
        (["crawl", "http://a.test/", "--db", "postgresql://u@127.0.0.1/x", "--frontier", "x:1"],
         "redis://HOST:PORT/N"),
        (["stats", "--db", "{tmp}/x.db", "--frontier", "ftp://x/1"], "redis://HOST:PORT/N"),
    ],
)  # fmt: skip
def test_cli_refuses_an_unusable_frontier(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.db").touch()
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.fixture
def frontier() -> RedisFrontier:
    server = redis_or_skip(REDIS_TEST_DB)
    prefix = "provenance:test_shared_frontier"
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)
    return RedisFrontier(server, prefix, "host:1:aa")


def test_pop_moves_a_request_in_flight_until_acknowledged(frontier: RedisFrontier) -> None:
    frontier.push("http://a.test/1", -10, b"one")
    frontier.push("http://a.test/2", -50, b"two\0with a nul")
    assert frontier.queued() == 2 and not frontier.idle()
    assert frontier.pop() == b"two\0with a nul"  # highest priority first, data intact
    assert frontier.queued() == 1
    assert frontier.in_flight() == {"http://a.test/2": "host:1:aa"}
    frontier.ack("http://a.test/2")
    assert frontier.in_flight() == {}
    assert frontier.pop() == b"one"
    frontier.push("http://a.test/1", -5, b"one, redirected")  # a hop replaces its entry
    assert frontier.in_flight() == {} and frontier.queued() == 1
    assert frontier.pop() == b"one, redirected"
    frontier.ack("http://a.test/1")
    assert frontier.pop() is None and frontier.idle()


def test_work_of_dead_processes_goes_back(frontier: RedisFrontier) -> None:
    other = RedisFrontier(frontier.server, frontier.queue_key.rsplit(":", 1)[0], "host:2:bb")
    for i in range(3):
        frontier.push(f"http://a.test/{i}", -i, f"r{i}".encode())
    assert frontier.pop() == b"r2"
    assert other.pop() == b"r1"
    assert frontier.put_back(["host:9:zz"]) == 0  # nobody's work
    assert frontier.put_back(["host:2:bb"]) == 1
    assert frontier.in_flight() == {"http://a.test/2": "host:1:aa"}
    assert frontier.queued() == 2
    assert frontier.pop() == b"r1"  # with its priority
    assert other.pop() == b"r0"
    assert frontier.drop_own() == 2  # only its own
    assert other.in_flight() == {"http://a.test/0": "host:2:bb"}


def test_compose_file_runs_crawlers_and_matchers_on_one_frontier() -> None:
    """``docker compose config`` is not available offline here; the file is read as YAML
    and its wiring checked instead."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "crawler", "matcher"} <= set(services)
    crawler, matcher = services["crawler"], services["matcher"]
    assert crawler["command"][0] == "crawl" and matcher["command"][:2] == ["match", "--follow"]
    for service in (crawler, matcher):
        env = service["environment"]
        assert env["PROVENANCE_FRONTIER"].startswith("redis://redis:6379/")
        assert env["PROVENANCE_DB"].startswith("postgresql://")
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (root / crawler["build"]["dockerfile"]).is_file()


def test_pop_passes_over_busy_hosts(frontier: RedisFrontier) -> None:
    frontier.push("http://a.test/1", -30, b"a1")
    frontier.push("http://a.test/2", -20, b"a2")
    frontier.push("http://b.test:8080/1", -10, b"b1")
    assert frontier.pop(busy=["a.test"]) == b"b1"  # the best of a host not busy
    assert frontier.pop(busy=["a.test"]) == b"a1"  # none free: the best of all
    assert frontier.pop() == b"a2"
