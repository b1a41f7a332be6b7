"""Spiders: ``trail`` follows republication and backlink trails from seed URLs."""
