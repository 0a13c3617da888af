"""Great Expectations imported without the two heavy libraries that no Bixue suite uses.

`import great_expectations` registers every expectation, and three of them import scipy.stats
(with scipy.special, linalg, sparse...) and altair at module level: ~125 MB and 2-3 s in every
process that validates, pool workers included, for the KL-divergence and KS-test expectations
alone. Those two modules are deferred: a stand-in in `sys.modules` imports the real module the
first time anything reads from it, so an expectation that needs them still works.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import threading
import types
from typing import Any

# Imported at module level by GX, used only inside the expectations Bixue's suites do not use.
DEFERRED = ("scipy.stats", "altair")

_LOCK = threading.RLock()


class DeferredModule(types.ModuleType):
    """Stands in for a module until an attribute is read, then is the real module's proxy."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.real(), attr)

    def real(self) -> types.ModuleType:
        """The real module, imported on first use (the stand-in leaves sys.modules first)."""
        with _LOCK:
            real = self.__dict__.get("_real")
            if real is None:
                name = self.__name__
                if sys.modules.get(name) is self:
                    del sys.modules[name]
                parent, _, child = name.rpartition(".")
                if parent and vars(sys.modules[parent]).get(child) is self:
                    delattr(sys.modules[parent], child)
                real = importlib.import_module(name)
                self.__dict__["_real"] = real
            return real


def defer(name: str) -> None:
    """Put a stand-in for `name` in sys.modules, unless the module is imported already."""
    with _LOCK:
        if name in sys.modules:
            return
        stand_in = DeferredModule(name)
        stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None)
        parent, _, child = name.rpartition(".")
        sys.modules[name] = stand_in
        if parent:
            setattr(importlib.import_module(parent), child, stand_in)


def defer_unused() -> None:
    """Defer GX's unused heavy dependencies; call it before `import great_expectations`."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED:
            defer(name)


def import_gx() -> types.ModuleType:
    """The `great_expectations` module, imported as validation imports it."""
    defer_unused()
    import great_expectations

    return great_expectations
