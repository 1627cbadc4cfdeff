"""The exercise director's console (``grapevine director``)."""
