"""A small TCP proxy whose connections can be cut mid-stream (no such proxy can be installed here).

Services reach RabbitMQ and PostgreSQL through it; ``cut()`` closes every open connection at once,
in both directions, the way a network failure or a load balancer restart would.
"""
import socket
import threading


class Pair:
    """A client socket and its upstream, closed once both pumps between them have finished."""

    def __init__(self, client, upstream):
        self.sockets = (client, upstream)
        self._running_pumps = 2
        self._lock = threading.Lock()

    def shutdown(self):
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pump_finished(self):
        with self._lock:
            self._running_pumps -= 1
            return self._running_pumps == 0

    def close(self):
        for sock in self.sockets:
            sock.close()


class Proxy:
    def __init__(self, target_host, target_port, listen_port=0):
        self.target = (target_host, target_port)
        self._server = socket.create_server(("127.0.0.1", listen_port))
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._open = set()
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self._running:
            try:
                client, _ = self._server.accept()
            except OSError:  # shut down by close()
                self._server.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = Pair(client, upstream)
            with self._lock:
                self._open.add(pair)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(pair, source, sink), daemon=True).start()

    def _pump(self, pair, source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            pair.shutdown()  # wakes the other direction's pump, which is blocked in recv
            if pair.pump_finished():
                with self._lock:
                    self._open.discard(pair)
                pair.close()

    def cut(self):
        """Cut every connection now (both directions); returns how many sockets were cut.

        Only shutdown here: each socket is closed by its own pumps once they have returned,
        never while one of them still waits on it.
        """
        with self._lock:
            pairs = list(self._open)
        for pair in pairs:
            pair.shutdown()
        return 2 * len(pairs)

    def close(self):
        self._running = False
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which closes it
        except OSError:
            pass
        self.cut()
