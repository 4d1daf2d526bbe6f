"""The audio fleet: the persistent service that holds gateway shards and voice, and plays music.

A fleet task owns one shard group: it runs a discord.py client for the group's shards
(:mod:`~audio_fleet.discord_client`), a wavelink pool of Lavalink nodes (:mod:`~audio_fleet.lavalink`)
and a consumer of the group's command queue (:mod:`~audio_fleet.consumer`) that carries out each
command (:mod:`~audio_fleet.play`) and edits the user's deferred reply (:mod:`~audio_fleet.replies`).
:mod:`~audio_fleet.service` wires them. This package never imports :mod:`interactions`.
"""
