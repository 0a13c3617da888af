"""A deterministic sample year of submissions for demos and end-to-end tests."""
