"""The exercise itself: topology, packet fabric, sensors, responses, clock, event log,
scoring, simulated CERTs, the range server and the ``grapevine`` CLI.

Import from submodules (``from range.clock import ExerciseClock``); never ``import range``.
"""
