"""The supervisor's health check of a worker: an answer counts, a dead worker is seen at once."""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import Connection

from chatapp.entrypoints.server.worker_health import answered

HOUR = 3600.0


def ended_worker() -> multiprocessing.process.BaseProcess:
    worker = multiprocessing.get_context("spawn").Process(target=os._exit, args=(0,))
    worker.start()
    worker.join()
    return worker


def check_in_a_thread(connection: Connection, sentinel: int) -> list[bool]:
    """answered(..., timeout=an hour), given 30 s to return: it must not sit out its timeout."""
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(answered(connection, sentinel, HOUR)), daemon=True)
    thread.start()
    thread.join(30)
    return result


def test_an_answer_on_the_pipe_counts_and_is_consumed() -> None:
    supervisor_end, worker_end = multiprocessing.Pipe()
    worker = ended_worker()
    worker_end.send(True)  # what a worker's pong thread sends: whether its server has started

    assert check_in_a_thread(supervisor_end, worker.sentinel) == [True]
    assert not supervisor_end.poll()


def test_a_worker_that_ended_without_answering_is_given_up_on_at_once_not_after_the_timeout() -> None:
    """The supervisor holds both ends of the pipe, so the worker's death never closes it: only its
    sentinel tells (uvicorn's own check waited for the whole timeout, 30 s for us)."""
    supervisor_end, worker_end = multiprocessing.Pipe()  # worker_end stays open here, as in uvicorn
    worker = ended_worker()

    assert check_in_a_thread(supervisor_end, worker.sentinel) == [False]
    worker_end.close()
