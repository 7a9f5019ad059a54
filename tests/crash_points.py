"""Runs a platform process (`python -m <module> <args>`) that SIGKILLs itself at the exact instant one
of issue 10's crash tests names, rather than at an arbitrary moment of a kill from outside:

  relay-before-checkpoint N  the outbox relay, on the checkpoint of the N-th page that published
                             events: the page is acknowledged by the broker, its checkpoint not yet saved;
  worker-after-apply N       the reporting worker, after its N-th read-model transaction committed,
                             before Faust commits the batch's offsets.

    python tests/crash_points.py relay-before-checkpoint 3 registry relay

Test-only: the hook wraps one method of the real process at start-up; nothing in the services knows it."""

from __future__ import annotations

import os
import runpy
import signal
import sys


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def relay_before_checkpoint(n: int) -> None:
    from pzh_shared import relay

    # Pages of private events only publish nothing: count the pages that did publish, by the events
    # the relay encoded since its last checkpoint.
    encode, encoded = relay.encode_event, {"total": 0, "at_checkpoint": 0, "publishing_pages": 0}

    def encode_event(*args, **kwargs):
        encoded["total"] += 1
        return encode(*args, **kwargs)

    relay.encode_event = encode_event
    original = relay.OutboxRelay.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        insert = self.tracking.insert_tracking

        def insert_tracking(tracking) -> None:
            page = encoded["total"] - encoded["at_checkpoint"]
            if page:
                encoded["publishing_pages"] += 1
                if encoded["publishing_pages"] == n:
                    print(
                        f"crash point: relay SIGKILLed after publishing {page} events, "
                        f"before checkpoint {tracking.notification_id}",
                        flush=True,
                    )
                    _die()
            encoded["at_checkpoint"] = encoded["total"]
            insert(tracking)

        self.tracking.insert_tracking = insert_tracking

    relay.OutboxRelay.__init__ = init


def worker_after_apply(n: int) -> None:
    from reporting.adapters.store import ReadModelStore

    original, calls = ReadModelStore.apply, [0]

    def apply(self, batch) -> int:
        applied = original(self, batch)
        calls[0] += 1
        if calls[0] == n:
            print(
                f"crash point: worker SIGKILLed after read-model transaction {n} ({applied} events applied)", flush=True
            )
            _die()
        return applied

    ReadModelStore.apply = apply


POINTS = {"relay-before-checkpoint": relay_before_checkpoint, "worker-after-apply": worker_after_apply}

if __name__ == "__main__":
    point, n, module, *args = sys.argv[1:]
    POINTS[point](int(n))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
