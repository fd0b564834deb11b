"""Reading and cleaning the city's shelter files (pure functions: no database)."""
