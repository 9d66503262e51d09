"""The garbage collector's pause (triage/bulk.py): off while any pause is open, in any
thread, and back on when the last one ends."""

from __future__ import annotations

import gc
import threading

import pytest

from triage.bulk import cyclic_gc_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_a_pause_turns_the_collector_off_and_back_on() -> None:
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_left_by_an_exception_still_ends() -> None:
    with pytest.raises(ValueError), cyclic_gc_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last() -> None:
    """The app's start-up pause can end while a worker's pause is still open (and the
    other way round): the collector must stay off until both have ended, then run."""
    worker_in = threading.Event()
    let_worker_out = threading.Event()
    seen_in_worker: list[bool] = []

    def worker() -> None:
        with cyclic_gc_paused():
            worker_in.set()
            let_worker_out.wait(5)
            seen_in_worker.append(gc.isenabled())

    start_up = cyclic_gc_paused()
    start_up.__enter__()
    thread = threading.Thread(target=worker)
    thread.start()
    assert worker_in.wait(5)
    start_up.__exit__(None, None, None)  # start-up ends first
    assert not gc.isenabled()  # the worker's pause is still open
    let_worker_out.set()
    thread.join(5)
    assert seen_in_worker == [False]
    assert gc.isenabled()


def test_many_threads_pausing_at_once_leave_the_collector_on() -> None:
    def work() -> None:
        for _ in range(200):
            with cyclic_gc_paused():
                pass

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert gc.isenabled()


def test_a_freezing_pause_moves_what_exists_out_of_the_collectors_sight() -> None:
    before = gc.get_freeze_count()
    kept = [[n] for n in range(1000)]  # tracked objects made before the pause ends
    with cyclic_gc_paused(freeze=True):
        pass
    assert gc.get_freeze_count() >= before + len(kept)
    assert gc.isenabled()
