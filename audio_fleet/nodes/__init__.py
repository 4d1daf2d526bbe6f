"""The fleet's Lavalink nodes: connecting them, choosing one by load, and keeping players on a
working one through node crashes, close frames and restarts.

Modules: :mod:`.penalty` (pure node choice), :mod:`.fleet_node` (a wavelink Node that reports
liveness, stats and a dead websocket loop), :mod:`.supervisor` (watchdog, failover, recovery,
metrics), :mod:`.connect` (the Pool), :mod:`.sessions` (session ids a restarted process resumes).
"""

from audio_fleet.nodes.connect import RESUME_TIMEOUT_S, close_nodes, connect_nodes
from audio_fleet.nodes.fleet_node import FleetNode
from audio_fleet.nodes.penalty import NodeLoad, choose, penalty
from audio_fleet.nodes.sessions import NodeSessions, RedisNodeSessions
from audio_fleet.nodes.supervisor import NodeSupervisor, node_load

__all__ = [
    "RESUME_TIMEOUT_S",
    "FleetNode",
    "NodeLoad",
    "NodeSessions",
    "NodeSupervisor",
    "RedisNodeSessions",
    "choose",
    "close_nodes",
    "connect_nodes",
    "node_load",
    "penalty",
]
