"""A token bucket: sends to one SMTP server at ``rate`` a second on average, bursts up to ``capacity``."""
import time


class TokenBucket:
    def __init__(self, rate, capacity, clock=time.monotonic):
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate, self.capacity, self.clock = float(rate), float(capacity), clock
        self.tokens = self.capacity
        self.updated = clock()

    def reserve(self):
        """Take one token; returns the seconds to wait before using it (0.0 if one was ready).

        Tokens may go into debt: each caller waits for its own token, in order.
        """
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate
