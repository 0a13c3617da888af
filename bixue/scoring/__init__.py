"""比学赶超 scoring: rules per year as configuration, the engine as pure functions."""
