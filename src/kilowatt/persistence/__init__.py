"""Storage: SQLAlchemy 2 (async) tables mapped onto the domain dataclasses."""
