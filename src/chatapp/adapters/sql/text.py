def storable(text: str) -> bool:
    """PostgreSQL `text` cannot hold, or even compare with, U+0000: a value holding it matches no row."""
    return "\x00" not in text
