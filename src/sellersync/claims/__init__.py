"""Working claims after detection: list, totals, detail with case text, lifecycle changes, unit costs."""
