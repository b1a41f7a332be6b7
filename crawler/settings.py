"""Scrapy settings for the provenance crawler.

Our own settings share the ``PROVENANCE_`` prefix. Defaults are polite for the live
web; the demo and tests lower the delays for the simulated web on loopback.
"""

import os

BOT_NAME = "provenance"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are: a contact URL in the User-Agent lets site owners reach the researcher.
# (lower-case: not a setting; the CLI warns when it is sent to real sites)
placeholder_contact_url = "https://example.org/provenance-crawler-contact"
PROVENANCE_CONTACT_URL = os.environ.get("PROVENANCE_CONTACT_URL", placeholder_contact_url)
USER_AGENT = f"provenance-crawler/0.1 (+{PROVENANCE_CONTACT_URL})"

# Politeness.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio workers for the output of every response; items are
# stored one at a time by the database thread anyway, and 100 (the default) cost more
# in task creation than a 304 response costs in all (measured on nightly runs).
CONCURRENT_ITEMS = 16
COOKIES_ENABLED = False

# Bad input: bounded sizes, times and redirects; retries for flapping servers.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
DEPTH_LIMIT = 8
DEPTH_STATS_VERBOSE = False
DUPEFILTER_CLASS = "crawler.middlewares.RedirectAwareDupeFilter"
# PROVENANCE_FRONTIER (a Redis URL, below) switches the scheduler to the shared frontier.
ADDONS = {"crawler.sharedfrontier.SharedFrontierAddon": 0}

# Our components.
# Output passes from the spider (high numbers) towards the engine: URLs already scheduled
# dropped, then freshness, budgets and traps, then the frontier record of what was admitted.
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.ScheduledFilterMiddleware": 950,
    "crawler.middlewares.RevisitMiddleware": 850,
    "crawler.middlewares.BudgetMiddleware": 800,
    "crawler.middlewares.FrontierMiddleware": 750,
}
# Requests on their way out: private hosts and redirect loops refused before a byte is sent,
# then the per-shape budget that cuts off traps (all before robots.txt, at 100).
DOWNLOADER_MIDDLEWARES = {
    "crawler.addresses.PrivateAddressMiddleware": 50,
    "crawler.middlewares.RedirectLoopMiddleware": 60,
    "crawler.traps.ShapeBudgetMiddleware": 70,
    # Last before the download: with a shared frontier, a per-outlet lease across all
    # processes (crawler.politeness); off in one process.
    "crawler.politeness.OutletLeaseMiddleware": 950,
}
# Scrapy's default, named because fairness rests on it: one priority queue per site, the
# least busy site served first, so one outlet cannot fill the downloader.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# Scrapy's caching resolver, refusing names that resolve to private addresses (direct
# connections only: through a proxy, the proxy resolves).
TWISTED_DNS_RESOLVER = "crawler.addresses.PrivateAddressResolver"
ITEM_PIPELINES = {
    "crawler.pipelines.store.StorePipeline": 300,
    "crawler.search.discovery.SearchDiscovery": 500,
}
EXTENSIONS = {
    "crawler.extractor.ExtractorPool": 100,
    "crawler.runs.RunRecorder": 200,
    "crawler.warc.WarcArchive": 300,
    "crawler.progress.Progress": 500,
    "crawler.sharedfrontier.SharedFrontier": 600,  # only with PROVENANCE_FRONTIER
    "crawler.matchers.LocalMatchers": 650,
    # Scrapy 2.19's remote control runs code sent to a local HTTP port; an unattended
    # crawl of hostile sites keeps no such door open (nor a telnet console, below), and
    # its web server no longer costs every run's start-up.
    "scrapy.extensions.remote_control.RemoteControl": None,
}

PROVENANCE_DB = None  # None: --db, then PROVENANCE_DB in the environment, then data/provenance.db
PROVENANCE_EXTRACT_WORKERS = 0  # 0: one worker process per CPU core
PROVENANCE_EXTRACT_NICE = 10  # workers' niceness: the crawl process keeps priority
PROVENANCE_MIN_WORDS = 50  # main text shorter than this is not an article
PROVENANCE_MAX_PAGES_PER_OUTLET = 2000
PROVENANCE_TRAP_PATTERN_LIMIT = 60  # URLs of one shape (digits/query values aside) per host
PROVENANCE_MAX_PAGES_PER_SHAPE = 50  # non-article pages of one URL shape before it is a trap
# With a shared frontier (PROVENANCE_FRONTIER, below): budgets, trap counters and
# per-outlet politeness (CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY, per
# registered domain) hold across all processes (crawler.shared, crawler.politeness).
PROVENANCE_OUTLET_LEASES_ENABLED = True
PROVENANCE_ALLOW_PRIVATE_ADDRESSES = False  # loopback, private, link-local, ... hosts refused
PROVENANCE_MATCH_ENABLED = True  # start local matcher processes (off: the queue waits)
PROVENANCE_MATCH_WORKERS = 1  # local matcher processes the crawl starts
PROVENANCE_MATCH_NICE = 10  # their niceness, as the extraction workers': the crawl keeps priority
PROVENANCE_MATCH_POLL = 1.0  # seconds between reads of the matchers' outbox
PROVENANCE_REVISIT_ENABLED = True  # skip pages not due again; conditional requests
PROVENANCE_PROGRESS_INTERVAL = 0  # seconds between progress lines on stderr; 0 = off
PROVENANCE_DB_RETRIES = 4  # attempts for a write that meets a locked or lost database
PROVENANCE_WARC_ENABLED = True  # every response archived in WARC files, per run
PROVENANCE_WARC_DIR = "data/warc"  # the CLI puts it beside a SQLite database file
# gzip level 1: the archive is written on the crawl's reactor thread, where level 6 cost
# more CPU than any other step of the crawl process (files are ~25% larger).
PROVENANCE_WARC_GZIP_LEVEL = 1

# A frontier shared by processes on several machines (crawler.sharedfrontier): off unless
# a Redis URL is given (--frontier, or $PROVENANCE_FRONTIER); needs PostgreSQL.
PROVENANCE_FRONTIER = ""  # redis://HOST:PORT/N
PROVENANCE_HEARTBEAT_INTERVAL = 5.0  # seconds between a process's heartbeats
PROVENANCE_PROCESS_TIMEOUT = 30.0  # a heartbeat older than this: dead, its work put back
PROVENANCE_FRONTIER_IDLE = 10.0  # seconds the whole shared frontier stays empty before a stop
PROVENANCE_FRONTIER_POLL = 0.5  # seconds between an idle process's looks at the shared queue

# Search-based discovery (crawler.search): off unless backends are given.
PROVENANCE_SEARCH = ""  # "searxng=URL,gdelt,brave"; also $PROVENANCE_SEARCH
PROVENANCE_SEARCH_DELAY = None  # seconds between requests to one backend (None: 5 GDELT, 1 others)
PROVENANCE_SEARCH_SCOPE = "seeds,roots"  # which articles are searched: seeds, roots, all
PROVENANCE_SEARCH_QUERIES_PER_ARTICLE = 4
PROVENANCE_SEARCH_MAX_QUERIES = 200  # requests to search services per run
PROVENANCE_SEARCH_FETCH_PER_QUERY = 5  # results downloaded per query at most
PROVENANCE_SEARCH_MIN_OVERLAP = 0.5  # share of a result's title/snippet words in the article
PROVENANCE_SEARCH_CACHE_TTL = 7 * 24 * 3600.0  # seconds an answer is reused
PROVENANCE_SEARCH_FOLLOW_OUTLETS = True  # a confirmed copy's outlet joins the trail
PROVENANCE_SEARCH_ARTICLE = None  # set by `provenance discover URL`

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
