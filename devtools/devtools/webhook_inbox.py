"""A small HTTP server that keeps every request POSTed to it, to receive a provider's webhooks in
tests and the demo. It answers each with the next status of ``statuses`` (then 200), so a test can
make deliveries fail and watch them retried; with ``together`` (a threading.Barrier) each request
is answered only once that many are in flight at once (503 if they never are)."""
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    answered: int


class WebhookInbox:
    def __init__(self, port, statuses=(), together=None):
        self.received = []
        self.together = together
        self.statuses = deque(statuses)
        self.arrived = threading.Condition()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                met = inbox.met_together()
                with inbox.arrived:
                    status = inbox.statuses.popleft() if inbox.statuses else 200 if met else 503
                    inbox.received.append(Received(self.path, dict(self.headers.items()), body, status))
                    inbox.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/webhooks"

    def met_together(self):
        if self.together is None:
            return True
        try:
            self.together.wait()
            return True
        except threading.BrokenBarrierError:
            return False

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate, timeout=15):
        """The requests received once ``predicate(received)`` holds, or AssertionError."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: predicate(self.received), timeout=timeout):
                seen = [(r.answered, r.body[:160]) for r in self.received]
                raise AssertionError(f"webhooks received: {seen}")
            return list(self.received)
