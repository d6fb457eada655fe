"""Paid orders over HTTP from many client threads, closed loop or at a fixed offered rate."""
import itertools
import threading
import time

import requests

from devtools import scenario


class OrderClient:
    """Places and pays one-bag orders as the scenario's buyer, spread over the marketplace
    instances, the way the buyer pays: through the provider (the stand-in), whose webhook confirms
    the payment; records the order ids (the confirmation time is the order's paid_at)."""

    def __init__(self, platform, network):
        self.platform = platform
        self.network = network
        self.marketplaces = itertools.cycle(platform.urls("marketplace"))
        self.errors = 0
        self._lock = threading.Lock()

    def _worker(self, next_due, paid):
        with self._lock:
            marketplace_url = next(self.marketplaces)
        with requests.Session() as session:
            while (due := next_due()) is not None:
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                try:  # the credit follows the webhook: the loop does not wait for it
                    order = scenario.place_order(self.platform, self.network, bags=1, session=session,
                                                 marketplace_url=marketplace_url)
                    scenario.pay_through_provider(self.platform, self.network, order, wait=False,
                                                  session=session, marketplace_url=marketplace_url)
                except (scenario.StepFailed, requests.RequestException):
                    with self._lock:
                        self.errors += 1
                    continue
                paid.append(order["id"])

    def _run(self, threads, next_due):
        paid = []  # list.append is atomic
        workers = [threading.Thread(target=self._worker, args=(next_due, paid), daemon=True)
                   for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return paid

    def closed_loop(self, threads, seconds):
        """Each thread orders again as soon as its last payment returned, for ``seconds``."""
        deadline = time.monotonic() + seconds
        return self._run(threads, lambda: 0.0 if time.monotonic() < deadline else None)

    def offered_rate(self, per_second, seconds, threads):
        """Order ``i`` is due at start + i / rate; late threads catch up, and orders still
        unsent when the ``seconds`` are over are not sent (an overloaded platform gets
        fewer orders, never a longer run)."""
        start = time.monotonic()
        end = start + seconds
        counter = itertools.count()
        lock = threading.Lock()

        def next_due():
            with lock:
                due = start + next(counter) / per_second
            return due if due < end and time.monotonic() < end else None
        return self._run(threads, next_due)
