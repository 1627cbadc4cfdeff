"""Simulated CERTs: the teams nobody plays, acting only through the range API and TAXII.

==============  ==================================================================
``analytics``   pure detectors over a team's observations -> findings with patterns
``policy``      pure, seeded decisions from the team's skill profile -> actions
``client``      the bot's I/O: range API over HTTP, other teams' indicators with
                taxii2-client
``runner``      a bot's cycle, :class:`BotRunner` (the engine runner's hook when
                headless, a polling thread when live), bot accounts
==============  ==================================================================
"""
