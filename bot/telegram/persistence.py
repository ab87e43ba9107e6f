"""`user_data` shared by every front end: PTB's persistence, backed by Redis.

The handlers keep per-person state in `context.user_data` (numbers and short hashes only,
never text): the quiz round (`handlers/quiz.py`) and which conversations had their language
seeded from Telegram (`turns.seed_lang`). With `REDIS_URL` set, `RedisPersistence` makes that
dict the same on every front end:

- before a handler runs, PTB calls `refresh_user_data`, which reloads the person's dict from
  `<prefix>:tg:user:<hash>` (so an update that reaches another front end sees the round as it
  is);
- right after an update is handled (`delivery.UpdateRunner`, before it is acknowledged), and
  inside a handler that must publish a change before it sends anything (`save_now`), PTB's
  `Application.update_persistence()` writes it back with a TTL of the conversation lifetime
  (`SET ... EX`, `STATE_TTL`); an empty dict deletes the key; an unchanged one only refreshes
  the TTL, so a front end never writes back an old copy over a newer one.

If Redis does not answer (`shared.REDIS_TIMEOUT`), the turn goes on with the dict this process
has. Without Redis, no persistence is set and PTB keeps `user_data` in memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BasePersistence, PersistenceInput

from bot.telegram.shared import REDIS_TIMEOUT, Keys

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.telegram.state import Context

logger = logging.getLogger(__name__)

UserData = dict[str, Any]
# An hour of silence, as Rasa keeps a silent conversation (JAGA_RECORD_EXP): a quiz round and
# the language seed end with it.
STATE_TTL = 3600
_REMEMBERED = 10_000  # last-seen copies kept to tell a change from an old copy


def _dump(data: UserData) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class RedisPersistence(BasePersistence[UserData, dict, dict]):
    """Only `user_data` is stored; chat_data, bot_data, callback data and conversations are not
    used by Jaga (`bot_data` holds the process's assistant and settings, never state)."""

    def __init__(self, client: aioredis.Redis, keys: Keys, ttl: int = STATE_TTL) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            )
        )
        self.client = client
        self.keys = keys
        self.ttl = ttl
        self._last: OrderedDict[int, str] = OrderedDict()  # user id -> the copy last seen

    def _seen(self, user_id: int, dumped: str) -> None:
        self._last[user_id] = dumped
        self._last.move_to_end(user_id)
        while len(self._last) > _REMEMBERED:
            self._last.popitem(last=False)

    async def _call(self, what: str, command: Any) -> Any:
        try:
            return await asyncio.wait_for(command, REDIS_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - Redis down: the turn still goes on
            logger.warning("Redis did not %s (%s)", what, type(error).__name__)
            raise

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        try:
            raw = await self._call("load user data", self.client.get(self.keys("user", user_id)))
            loaded = json.loads(raw) if raw else {}
        except Exception:  # noqa: BLE001 - logged in _call, or not JSON: keep our copy
            return
        if not isinstance(loaded, dict):
            loaded = {}
        user_data.clear()
        user_data.update(loaded)
        self._seen(user_id, _dump(loaded))

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        key = self.keys("user", user_id)
        dumped = _dump(data)
        try:
            if dumped == self._last.get(user_id):
                # Unchanged here: another front end may have written a newer copy since.
                await self._call("keep user data", self.client.expire(key, self.ttl))
            elif data:
                await self._call("save user data", self.client.set(key, dumped, ex=self.ttl))
            else:
                await self._call("delete user data", self.client.delete(key))
        except Exception:  # noqa: BLE001 - logged in _call
            return
        self._seen(user_id, dumped)

    async def drop_user_data(self, user_id: int) -> None:
        self._last.pop(user_id, None)
        try:
            await self._call("delete user data", self.client.delete(self.keys("user", user_id)))
        except Exception:  # noqa: BLE001 - logged in _call
            return

    async def get_user_data(self) -> dict[int, UserData]:
        return {}  # loaded per person, when their update comes (refresh_user_data)

    # -- what Jaga does not store --------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        return None

    async def update_bot_data(self, data: dict) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def flush(self) -> None:
        return None  # every write went to Redis when it was made


async def claim(update: Update, context: Context, what: str) -> bool:
    """True for the first update that claims `what` for this person, on any front end
    (`SET <prefix>:tg:claim:<hash> NX`, for `STATE_TTL`); always True without Redis, where
    one process handles each chat's updates in order. If Redis does not answer: True."""
    client, user = context.bot_data.redis, update.effective_user
    if client is None or user is None:
        return True
    key = context.bot_data.keys("claim", f"{user.id}:{what}")
    try:
        return bool(
            await asyncio.wait_for(client.set(key, 1, nx=True, ex=STATE_TTL), REDIS_TIMEOUT)
        )
    except Exception as error:  # noqa: BLE001 - Redis down: answer rather than drop
        logger.warning("Redis did not take a claim (%s)", type(error).__name__)
        return True


async def save_now(update: Update, context: Context) -> None:
    """Publish this person's `user_data` before sending what depends on it (the next quiz
    question): the next press may reach another front end at once."""
    application, user = context.application, update.effective_user
    if application.persistence is None or user is None:
        return
    application.mark_data_for_update_persistence(user_ids=user.id)
    await application.update_persistence()
