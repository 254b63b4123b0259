"""The canonical tables as the API serves them: which entities exist and how they are queried."""
