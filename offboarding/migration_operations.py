"""The operations that keep the site up while a migration runs; they live with the lowest app, clients."""

from __future__ import annotations

from clients.migration_operations import AddIndexConcurrently, AddPostgresIndexConcurrently

__all__ = ["AddIndexConcurrently", "AddPostgresIndexConcurrently"]
