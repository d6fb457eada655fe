"""A small TCP proxy whose connections can be cut mid-stream (no such proxy can be installed here).

Services reach RabbitMQ and PostgreSQL through it; ``cut()`` closes every open connection at once,
in both directions, the way a network failure or a load balancer restart would.
"""
import socket
import threading


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
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets):
        with self._lock:
            for sock in sockets:
                self._open.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def cut(self):
        """Close every connection now; returns how many sockets were cut."""
        with self._lock:
            sockets = list(self._open)
        self._close(*sockets)
        return len(sockets)

    def close(self):
        self._running = False
        self._server.close()
        self.cut()
