"""Shared code of the page benchmarks: their databases and the floor view's URLconf."""
