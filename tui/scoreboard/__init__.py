"""The scoreboard: every team's ranking and score over time, read-only, for a projector."""
