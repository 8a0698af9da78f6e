"""The composition root: dishka providers grouped by layer."""
