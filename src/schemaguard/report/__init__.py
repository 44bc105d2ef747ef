"""Report renderers: results in, text out. Only ``text.py`` knows about rich."""
