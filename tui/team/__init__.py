"""The CERT team console (``grapevine team``): :class:`tui.team.app.TeamApp`."""
