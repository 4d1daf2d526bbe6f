"""Billing: money, plans, the subscription lifecycle, proration and the service that stores them.

The pure parts (:mod:`.money`, :mod:`.plans`, :mod:`.lifecycle`, :mod:`.proration`) never read a
clock or touch I/O; :mod:`.service` applies them to the database in one transaction per change.
See docs/billing.md.
"""
