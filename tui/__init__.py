"""Textual apps: team console, director console, scoreboard."""
