"""Entities, value objects and domain errors. Pure Python: imports nothing else from chatapp."""
