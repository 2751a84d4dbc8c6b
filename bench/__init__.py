"""Benchmarks against peers, measured in the same run (see DESIGN.md, "Benchmarks")."""
