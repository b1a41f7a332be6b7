"""Search-based discovery: copies that nothing links to, found through search services."""
