"""Database layer: models, sessions and migrations. Imports neither Scrapy nor networkx."""
