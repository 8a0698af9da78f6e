from __future__ import annotations

from collections.abc import Iterable

from chatapp.domain.events import UserRef


class PresenceBook:
    """Who is online anywhere, as this process knows it: its own connections, and what the other
    processes said of theirs (forgotten when a process stops saying it is alive).

    Each method returns the users whose online state changed, anywhere, with that change.
    """

    def __init__(self) -> None:
        self._local: dict[int, int] = {}  # user id -> open connections here
        self._local_refs: dict[int, UserRef] = {}  # user id -> the user, while connected here
        self._remote: dict[str, dict[int, UserRef]] = {}  # process -> its online users
        self._seen: dict[str, float] = {}  # process -> when it last said it was alive
        # Processes given up on for their silence. One heard from again was alive all along (its
        # loop or its connection to the others stalled): who is online there must be asked anew.
        self._given_up: set[str] = set()

    def online(self, user_id: int) -> bool:
        return user_id in self._local or any(user_id in users for users in self._remote.values())

    def local_users(self) -> list[int]:
        return list(self._local)

    def online_among(self, user_ids: Iterable[int]) -> list[UserRef]:
        """Those of `user_ids` online anywhere."""
        found = []
        for user_id in user_ids:
            user = self._local_refs.get(user_id)
            if user is None:
                user = next((users[user_id] for users in self._remote.values() if user_id in users), None)
            if user is not None:
                found.append(user)
        return found

    def opened(self, user: UserRef) -> bool:
        """A connection of `user` opened here; True if that made them online."""
        was = self.online(user.id)
        self._local[user.id] = self._local.get(user.id, 0) + 1
        self._local_refs[user.id] = user
        return not was

    def closed(self, user: UserRef) -> bool:
        """A connection of `user` closed here; True if that made them offline."""
        left = self._local.get(user.id, 0) - 1
        if left > 0:
            self._local[user.id] = left
            return False
        self._local.pop(user.id, None)
        self._local_refs.pop(user.id, None)
        return not self.online(user.id)

    def first_here(self, user_id: int) -> bool:
        return self._local.get(user_id) == 1

    def remote(self, process: str, user: UserRef, online: bool, now: float) -> bool:
        """Another process said `user` is (no longer) online there; True if their state changed."""
        was = self.online(user.id)
        users = self._remote.setdefault(process, {})
        if online:
            users[user.id] = user
        else:
            users.pop(user.id, None)
        self._seen[process] = now
        return was != self.online(user.id)

    def alive(self, process: str, now: float) -> bool:
        """`process` said something; True if it had been given up on (ask who is online there)."""
        self._seen[process] = now
        if process in self._given_up:
            self._given_up.discard(process)
            return True
        return False

    def expire(self, older_than: float) -> list[UserRef]:
        """Forget processes silent since `older_than`; the users that made offline."""
        gone: list[UserRef] = []
        for process in [p for p, seen in self._seen.items() if seen < older_than]:
            del self._seen[process]
            self._given_up.add(process)
            users = self._remote.pop(process, {})
            gone += [user for user in users.values() if not self.online(user.id)]
        return gone
