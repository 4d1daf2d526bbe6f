"""Encore's database: the models, the :class:`~encore.db.database.Database` and its migrations."""
