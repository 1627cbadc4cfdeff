"""Pieces the consoles share."""
