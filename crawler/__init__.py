"""Source-provenance crawler: seeds -> spider -> extraction -> storage.

This package must stay importable without Scrapy for ``crawler.db`` users
(``graph/`` imports the database layer only).
"""
