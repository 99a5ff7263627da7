"""Pages about people and places: search, a person's page, a record, an address briefing."""
