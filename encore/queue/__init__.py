"""The command queue between the front and the audio fleet: one queue per shard group.

:class:`CommandQueue` is what the front writes to; :class:`CommandSource` is what a fleet task
consumes from. :mod:`~encore.queue.memory` is the in-process default (sandbox, laptop) and
:mod:`~encore.queue.sqs` is the SQS FIFO adapter used in production. Both keep per-guild order
(one message group per guild) and drop duplicates of an interaction id.
"""

from encore.queue.base import CommandQueue, CommandSource, ReceivedMessage

__all__ = ["CommandQueue", "CommandSource", "ReceivedMessage"]
