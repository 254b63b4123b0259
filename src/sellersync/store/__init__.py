"""The canonical SQL store: models, engine, unit of work, bulk upsert and migrations."""
