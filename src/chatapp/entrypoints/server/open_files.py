"""Every connection is a file descriptor: serve with the open-file limit as high as the system allows."""

from __future__ import annotations

import logging
import resource

logger = logging.getLogger("chatapp")


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (workers inherit it); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as error:
            logger.warning("open-file limit stays at %d: %s", soft, error)
            return soft
        logger.info("open-file limit raised from %d to %d", soft, hard)
        return hard
    logger.info("open-file limit is %d", soft)
    return soft
