"""Scenario model and loader, attack techniques (Scapy), benign background traffic and
the built-in scenario library. Imports nothing from ``range`` or ``tui``."""
