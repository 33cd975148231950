"""`manage.py collectstatic`: Django's, with its bookkeeping answered from sets.

Django keeps the names it copied and the ones it left unmodified in lists, and asks whether a
name is already in one for every file: a search of the whole list each time. At 20,000 files
that made a re-run after one changed stylesheet grow faster than the site (2.5 of its 7 s).
The lists stay lists (collectstatic reports and returns them); `in` reads a set beside them.
static_kit is listed before django.contrib.staticfiles in INSTALLED_APPS so that this command
is the one `manage.py` finds; an app with its own collectstatic goes before both.

A deploy that stops a run (a CI job cancelled, `systemctl stop`, a terminal closed) sends
SIGTERM or SIGHUP, which would end the process without unwinding it: the run's temporary files
(storage/atomic.py) would stay in STATIC_ROOT. Here they end it as Ctrl-C does, and the run
takes them back on its way out. (SIGKILL cannot be caught: what it leaves, the start-up check
lets be and warns of, static.W004.)
"""

import contextlib
import signal
import threading

from django.contrib.staticfiles.management.commands.collectstatic import (
    Command as CollectStaticCommand,
)


class Names(list):
    """A list of names whose `in` is a set lookup."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def append(self, name):
        super().append(name)
        self.seen.add(name)

    def __contains__(self, name):
        return name in self.seen


class Command(CollectStaticCommand):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.copied_files, self.symlinked_files, self.unmodified_files = Names(), Names(), Names()

    def handle(self, **options):
        with stopped_as_by_ctrl_c("SIGTERM", "SIGHUP"):
            return super().handle(**options)


@contextlib.contextmanager
def stopped_as_by_ctrl_c(*names):
    """While inside, each signal of `names` raises KeyboardInterrupt: from the main thread only,
    where Python takes signals, and not one this system lacks (Windows has no SIGHUP) or that
    is ignored on purpose (`nohup collectstatic &` ignores SIGHUP)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number, frame):
        raise KeyboardInterrupt(f"stopped by {signal.Signals(number).name}")

    numbers = [getattr(signal, name) for name in names if hasattr(signal, name)]
    before = {
        number: signal.signal(number, interrupt)
        for number in numbers
        if signal.getsignal(number) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for number, handler in before.items():  # None: set outside Python, by default
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
