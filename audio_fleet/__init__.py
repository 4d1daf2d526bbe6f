"""The audio fleet: the persistent service that holds gateway shards and voice, and plays music.

A fleet task runs one or more shard groups: a pinned one, or a fair share taken through Redis leases
(:mod:`~audio_fleet.leases`, :mod:`~audio_fleet.lease_manager`). Per group it runs a discord.py client
for the group's shards (:mod:`~audio_fleet.discord_client`) and a consumer of the group's command
queue (:mod:`~audio_fleet.consumer`) that carries out each command (:mod:`~audio_fleet.play`) and
edits the user's deferred reply (:mod:`~audio_fleet.replies`), in a :mod:`~audio_fleet.group_runner`
that restores the group's players from their snapshots (:mod:`~audio_fleet.restore`). The task's
Lavalink nodes (:mod:`~audio_fleet.nodes`) are bound to one :mod:`~audio_fleet.lavalink_hub`.
:mod:`~audio_fleet.service` wires them. This package never imports :mod:`interactions`.
"""
