"""The ``encore`` command line: the one place that composes the front, the fleet and the simulators.

It sits above :mod:`interactions` and :mod:`audio_fleet` (which never import each other) and is the
only package allowed to import both.
"""
