"""Item pipelines, one job each: ``store`` writes pages, ``match`` finds copies online."""
