"""Bridges: separate processes that read a platform's live chat and publish
platform-neutral audience events (livehost.audience.events) to the broker.

The unit never talks to a platform's chat itself: a bridge can run on the unit, on
another box of the site, or anywhere that reaches the broker. `livehost-bridge twitch`
is the first (docs/audience-bridges.md).
"""
