"""Protocol-faithful simulators of the services Encore cannot reach from a test machine.

* :mod:`encore.simulators.discord` -- Discord REST (v10) and the gateway, including sharding, voice
  state/server updates, rate limits and the interaction callbacks Discord POSTs to our front.
* :mod:`encore.simulators.lavalink` -- a Lavalink v4 node: websocket ops and events, REST players,
  ``loadtracks`` over a small built-in catalogue, and session resuming.

Both are real servers on loopback ports. Tests drive the real discord.py and wavelink code
against them, the sandbox (``encore sandbox``, or ``make run`` without credentials) runs them
in-process, and each can run as its own process (``python -m encore.simulators.discord``,
``python -m encore.simulators.lavalink``). Every request they receive is recorded for assertions,
and each can inject the faults real services produce.
"""
