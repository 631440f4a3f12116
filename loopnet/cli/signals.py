"""Ctrl-C (SIGINT) during ``loopnet train``: the trained model is on disk before anything that can be
interrupted, whatever the number of presses.

| phase | first press | later presses |
|---|---|---|
| training | stop after the running epoch (the callback asks fit to stop) | abandon the running epoch (one KeyboardInterrupt, which fit turns into "interrupted" with the weights of the last finished epoch); from then on presses are only counted |
| saving | counted | counted |
| after saving | KeyboardInterrupt (exit 130) | the same |

Leaving the saving phase with presses counted raises KeyboardInterrupt at once: the model is saved, the rest
(evaluation, plot) is skipped. Outside the main thread nothing is installed and Python's own handling stays.
"""
from __future__ import annotations

import sys

from ..sigint import SigintScope

TRAINING, DEFERRED, AFTER = "training", "deferred", "after"


class CtrlC(SigintScope):
    """The SIGINT handler of ``loopnet train``, used as a context manager around the whole command."""

    def __init__(self):
        self.phase = TRAINING
        self.presses = 0
        self.pending = 0                # presses while deferred
        self.stop_requested = False

    def _handler(self, signum, frame):
        self.presses += 1
        if self.phase == TRAINING:
            if not self.stop_requested:
                self.stop_requested = True
                _say("stopping after this epoch (press Ctrl-C again to stop now; the model is saved either way)")
                return
            self.phase = DEFERRED       # one KeyboardInterrupt ends training; later presses wait for the save
            raise KeyboardInterrupt
        if self.phase == AFTER:
            raise KeyboardInterrupt
        self.pending += 1               # DEFERRED: raised when saving is done

    def defer(self):
        """From now on presses are only counted (call as soon as training returns)."""
        self.phase = DEFERRED

    def release(self):
        """Saving is done: a press counted while deferred raises KeyboardInterrupt now, later ones at once."""
        self.phase = AFTER
        if self.pending:
            raise KeyboardInterrupt


def _say(text):
    try:
        sys.stderr.write(f"\nloopnet: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
