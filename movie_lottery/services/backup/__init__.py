"""Backups: the site's data as one versioned JSON document, and back.

* tables.py  — which tables a backup holds (every table of the models but an explicit
               exclusion list), in foreign-key order
* codec.py   — the document's header and typed (de)serialisation of column values
* export.py  — streams the document from a database (flat memory at any size)
* restore.py — reads it back into an empty database in one transaction
"""
