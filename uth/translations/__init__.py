"""The translation catalogs (`en/LC_MESSAGES/messages.po`) and the tools that keep them (`catalog.py`)."""
