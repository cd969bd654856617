"""Storage: the database, its migrations and one module of queries per table."""
