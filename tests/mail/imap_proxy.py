"""A loopback TCP proxy between Bixue and the test Dovecot that fails on cue, mid-FETCH.

Each accepted connection gets its fault from `plan(n)` (n counts connections from 1):
``("cut", b)`` closes both sides once `b` bytes of the server's answer to the first FETCH have
been forwarded, ``("stall", b)`` stops forwarding there and holds the connection open, None
passes everything through. `faults` counts the faults done.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Fault = tuple[str, int] | None


@dataclass
class Proxy:
    upstream: tuple[str, int]
    plan: Callable[[int], Fault]
    port: int = 0
    faults: int = 0
    connections: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _serve(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                self.connections += 1
                fault = self.plan(self.connections)
            server = socket.create_connection(self.upstream, timeout=10)
            server.settimeout(None)
            self._sockets += [client, server]
            fetching = threading.Event()
            threading.Thread(
                target=self._pump_up, args=(client, server, fetching), daemon=True
            ).start()
            threading.Thread(
                target=self._pump_down, args=(server, client, fetching, fault), daemon=True
            ).start()

    @staticmethod
    def _pump_up(client: socket.socket, server: socket.socket, fetching: threading.Event) -> None:
        """Client to server, unchanged; notes when the client asked for a message."""
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                if b" FETCH " in data.upper():
                    fetching.set()
                server.sendall(data)
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)

    def _pump_down(
        self, server: socket.socket, client: socket.socket, fetching: threading.Event, fault: Fault
    ) -> None:
        """Server to client; the fault strikes inside the answer to the first FETCH."""
        budget = fault[1] if fault else -1
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if fault and fetching.is_set():
                    if len(data) >= budget:
                        client.sendall(data[:budget])
                        self._strike(fault[0], server, client)
                        return
                    budget -= len(data)
                client.sendall(data)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)

    def _strike(self, kind: str, server: socket.socket, client: socket.socket) -> None:
        with self._lock:
            self.faults += 1
        if kind == "cut":
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        else:  # stall: nothing more is forwarded; the connection stays open until the end
            self._stop.wait()


@contextmanager
def imap_proxy(upstream: tuple[str, int], plan: Callable[[int], Fault]) -> Iterator[Proxy]:
    """A running proxy on a free loopback port, closed (with every connection) afterwards."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)  # so the accept loop sees the stop
    proxy = Proxy(upstream, plan, port=int(listener.getsockname()[1]))
    thread = threading.Thread(target=proxy._serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy._stop.set()
        listener.close()
        for sock in proxy._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        thread.join(timeout=5)
