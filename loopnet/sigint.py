"""Ctrl-C handlers installed for the length of a ``with`` block (standard library only).

:class:`SigintScope` installs the subclass's ``_handler`` for SIGINT on entry and puts the previous handler
back on exit — only in the main thread (where Python delivers signals) and only over Python's default
handler (a handler the user installed is left alone). ``training.fit`` and ``loopnet train`` each subclass it
with their own table of what a press does.
"""
from __future__ import annotations

import signal
import threading


class SigintScope:
    _previous = None

    def _handler(self, signum, frame):  # pragma: no cover - each subclass says what a press does
        raise KeyboardInterrupt

    def __enter__(self):
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
