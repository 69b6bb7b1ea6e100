"""How often the host answers comments: a few per viewer, none while the chat floods.

Time is the caller's (`now`, seconds on a monotonic clock), so tests need no sleeping.
Memory stays bounded under a flood of distinct viewers: a viewer whose window has passed
is forgotten, and the table never holds more than `max_users` (the least recently seen
go first; forgetting one only gives them a fresh allowance).
"""

from __future__ import annotations

from collections import OrderedDict, deque

from livehost.audience.moderation import OK, Verdict


class RateLimiter:
    def __init__(
        self,
        per_user: int = 3,
        per_user_window: float = 30.0,
        flood: int = 20,
        flood_window: float = 2.0,
        *,
        max_users: int = 10_000,
    ) -> None:
        if min(per_user, flood, max_users) < 1 or min(per_user_window, flood_window) <= 0:
            raise ValueError("limits and windows must be positive")
        self.per_user, self.per_user_window = per_user, per_user_window
        self.flood, self.flood_window = flood, flood_window
        self.max_users = max_users
        self._arrivals: deque[float] = deque(maxlen=flood)  # the last `flood` comments
        # user id -> times of their last `per_user` comments, least recently seen first
        self._users: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, user_id: str, now: float) -> Verdict:
        """May the host answer this user's comment now? Every comment counts towards the
        flood; every comment of a user who is not flooded out counts towards their limit,
        so one who keeps posting stays quiet until they slow down."""
        flooded = len(self._arrivals) == self.flood and now - self._arrivals[0] < self.flood_window
        self._arrivals.append(now)
        self._forget(now)
        if flooded:
            return Verdict(False, "flood", f"over {self.flood} comments in {self.flood_window} s")
        times = self._users.pop(user_id, None)
        if times is None:
            times = deque(maxlen=self.per_user)
        too_often = len(times) == self.per_user and now - times[0] < self.per_user_window
        times.append(now)
        self._users[user_id] = times  # now the most recently seen
        if len(self._users) > self.max_users:
            self._users.popitem(last=False)
        if too_often:
            return Verdict(
                False, "rate", f"over {self.per_user} comments in {self.per_user_window} s"
            )
        return OK

    def __len__(self) -> int:
        """How many users are remembered."""
        return len(self._users)

    def _forget(self, now: float) -> None:
        # least recently seen first: stop at the first one still inside their window
        while self._users:
            user_id, times = next(iter(self._users.items()))
            if now - times[-1] < self.per_user_window:
                break
            del self._users[user_id]
