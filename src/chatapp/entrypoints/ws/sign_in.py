"""How each protocol lets a connection sign in: data, not callbacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(slots=True, frozen=True, kw_only=True)
class SignInRules:
    """What a connection without a handshake token may do, and what a bad handshake token costs.

    without_token:
      "await_connect" - sign in with a connect frame (a token; a bare userId in legacy mode),
                        within WS_AUTH_TIMEOUT;
      "refuse"        - close at once: nothing could sign the connection in later;
      "trust_frames"  - legacy mode of the text protocol: greet at once, each frame's userId signs in.
    handshake_errors_close: any failure to sign in with the handshake token ends the connection
      (otherwise only refusals that close anyway, such as an invalid token, do).
    """

    without_token: Literal["await_connect", "refuse", "trust_frames"]
    handshake_errors_close: bool
    connect_frames: bool  # connect frames exist in this protocol
    legacy_user_id: bool  # a connect frame's bare userId is trusted (WS_LEGACY_USER_ID)

    @property
    def auth_deadline(self) -> bool:
        return self.without_token == "await_connect"


ACTIONS = SignInRules(
    without_token="await_connect", handshake_errors_close=False, connect_frames=True, legacy_user_id=False
)
ACTIONS_LEGACY = SignInRules(
    without_token="await_connect", handshake_errors_close=False, connect_frames=True, legacy_user_id=True
)
TEXT = SignInRules(without_token="refuse", handshake_errors_close=True, connect_frames=False, legacy_user_id=False)
TEXT_LEGACY = SignInRules(
    without_token="trust_frames", handshake_errors_close=True, connect_frames=False, legacy_user_id=True
)
