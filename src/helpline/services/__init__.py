"""Use cases: the only place that opens transactions, commits and emits events."""
