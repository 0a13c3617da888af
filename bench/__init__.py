"""Benchmarks of the monthly run at realistic, province and national scale (issue 8)."""
