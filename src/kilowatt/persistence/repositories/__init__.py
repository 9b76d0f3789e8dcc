"""Repositories: every SQL statement of Kilowatt lives under this package."""
