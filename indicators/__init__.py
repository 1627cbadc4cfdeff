"""STIX 2.1 and TAXII 2.1: object store, TAXII server, TLP, users, pattern compiler
and matcher, sharing client. Imports nothing from ``range`` or ``tui``."""
