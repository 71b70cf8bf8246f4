"""Benchmarks run by `make bench` (each bench/*.py is a script; shared code lives in bench/support/)."""
