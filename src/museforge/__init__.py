"""museforge: AI-generated music and sound effects that run well on an ordinary CPU."""

__version__ = "0.1.0"
