"""Matching, provenance and graphs. Never imports Scrapy; reads the database layer only."""
