"""Backups: the site's data as one versioned JSON document, and back.

* tables.py  — which tables a backup holds (every table of the models but an explicit
               exclusion list), in foreign-key order
* codec.py   — the document's header and typed (de)serialisation of column values
* export.py  — streams the document from a database (flat memory at any size)
* restore.py — reads it back into an empty database in one transaction: reader.py walks the
               document, bounds.py bounds its sizes as it streams, checks.py checks each row
               the same way on both engines, rebuild.py rebuilds what the data implies
               (due jobs, the outbox), upgrades.py replays migrations on older backups
"""
