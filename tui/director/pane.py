"""What every pane of the director console shares: the way to its app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.containers import Vertical

if TYPE_CHECKING:
    from tui.director.app import DirectorApp


class Pane(Vertical):
    """A tab of the director console. Panes do no I/O: they ask
    :meth:`~tui.widgets.client_app.ClientApp.act` to run a client call in a worker."""

    @property
    def console(self) -> DirectorApp:
        return cast("DirectorApp", self.app)
