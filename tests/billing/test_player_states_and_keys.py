"""Player snapshots in the database, and hashed admin API keys (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from encore.billing import admin_keys
from encore.billing.admin_keys import AdminKeys
from encore.billing.errors import InvalidInputError
from encore.db.database import Database
from encore.db.models import AdminKey
from encore.db.player_states import PlayerStateRepository
from tests.billing_support import SettableClock


async def test_player_state_save_load_delete(database: Database, clock: SettableClock) -> None:
    states = PlayerStateRepository(database, clock)
    assert await states.load(7) is None
    await states.save(7, {"v": 1, "queue": ["a", "b"], "title": "'; DROP TABLE player_states; --"})
    await states.save(7, {"v": 1, "queue": ["c"]})
    assert await states.load(7) == {"v": 1, "queue": ["c"]}
    assert await states.delete(7) is True
    assert await states.delete(7) is False
    assert await states.load(7) is None


async def test_admin_keys_are_hashed_scoped_and_revocable(database: Database, clock: SettableClock) -> None:
    keys = AdminKeys(database, clock)
    created = await keys.create("back office", ["billing:read", "billing:write"])
    assert created.plaintext.startswith("enc_")
    async with database.read_session() as session:
        stored = (await session.execute(select(AdminKey.key_hash))).scalar_one()
    assert created.plaintext not in stored
    verified = await admin_keys.verify(database, created.plaintext)
    assert verified is not None
    assert verified.allows("billing:read")
    assert not verified.allows("billing:admin")
    assert await keys.verify(created.plaintext[:-1] + "x") is None
    assert await keys.verify("not-a-key") is None
    assert await keys.revoke(created.key.id) is True
    assert await keys.verify(created.plaintext) is None
    with pytest.raises(InvalidInputError):
        await keys.create("bad", ["DROP TABLE"])
