"""Benign background traffic: session builders (:mod:`~scenarios.benign.sessions`) and
when they run (:mod:`~scenarios.benign.schedule`)."""
