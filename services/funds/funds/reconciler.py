"""Reconciliation as an operation: ``codi-admin funds reconcile`` and the optional periodic timer.

Reads the marketplace's paid orders a page at a time over HTTP (an operator token), what the funds
service holds for them a page at a time from its database, compares them (``funds.reconciliation``)
and, with ``repair``, replays each drifting order's original events through the funds handler table
(the App's, the consumers' own): order.paid first, then the outcomes, each in its own unit of work; the command prints the report
(``funds.reconciliation_report``). The handlers are idempotent at
the domain level (credits keyed by order, fund and agreement; ledger transactions by source event,
kind and credit; outcomes by event and refund), so a replay adds only what is missing, and the
usual levy events go out through the outbox (officers get their emails). The broker and the inbox
are bypassed: an event id already in the inbox would be skipped there.
"""
import argparse
import datetime as dt
import json
import logging
import sys
import time
import uuid

import requests
from prometheus_client import Counter, Gauge

from chassis.thai import THAI_TIME
from chassis.uow import unit_of_work
from contracts import decode, marketplace

from funds import handlers, reconciliation, reconciliation_report
from funds.bootstrap import bootstrap

log = logging.getLogger(__name__)

ORDERS_IN_DRIFT = Gauge("codi_funds_reconcile_orders_in_drift",
                        "Paid orders whose levies the last reconciliation found out of line with the ledger.")
FINDINGS = Gauge("codi_funds_reconcile_findings", "Drift found by the last reconciliation, by kind.",
                 ["kind"])
REPAIRS = Counter("codi_funds_reconcile_repairs_total",
                  "Drift that a reconciliation replay repaired, by kind.", ["kind"])
LAST_RUN = Gauge("codi_funds_reconcile_last_run_timestamp_seconds",
                 "When the last reconciliation finished (Unix time).")

PAGE_SIZE = 200
EVENT_TYPES = {event_type.name: event_type for event_type in marketplace.EVENTS}


class MarketplaceError(RuntimeError):
    pass


class MarketplaceOrders:
    """The marketplace's reconciliation API: paid orders with their original events."""

    def __init__(self, base_url, token, session=None, timeout=30):
        self.url = base_url.rstrip("/") + "/v1/reconciliation/orders"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.session = session or requests.Session()
        self.timeout = timeout

    def _get(self, params):
        try:
            response = self.session.get(self.url, params=params, headers=self.headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise MarketplaceError(f"marketplace unreachable: {exc}") from exc
        if response.status_code != 200:
            raise MarketplaceError(f"marketplace answered {response.status_code}: {response.text[:300]}")
        body = response.json()
        return [market_order(item) for item in body["orders"]], body.get("next_cursor")

    def pages(self, paid_from=None, paid_to=None, limit=PAGE_SIZE):
        """Pages of MarketOrder, oldest payment first."""
        params = {"limit": limit}
        if paid_from:
            params["paid_from"] = paid_from.isoformat()
        if paid_to:
            params["paid_to"] = paid_to.isoformat()
        while True:
            orders, cursor = self._get(params)
            if orders:
                yield orders
            if not cursor:
                return
            params["cursor"] = cursor

    def by_ids(self, order_ids):
        """The orders among ``order_ids`` that the marketplace knows as paid."""
        found = []
        for start in range(0, len(order_ids), 100):
            chunk = order_ids[start:start + 100]
            orders, _ = self._get({"order_id": [str(order_id) for order_id in chunk], "limit": len(chunk)})
            found += orders
        return found


def market_order(item):
    """A MarketOrder from the marketplace's JSON; every event is decoded by its contract."""
    events = [decode(EVENT_TYPES[envelope["event_type"]], envelope) for envelope in item["events"]]
    paid = [event for event in events if event.type is marketplace.ORDER_PAID]
    order = item["order"]
    return reconciliation.MarketOrder(
        order_id=paid[0].data["order_id"] if paid else uuid.UUID(order["id"]),
        status=order["status"], fulfilment_status=order["fulfilment_status"],
        paid_at=dt.datetime.fromisoformat(order["paid_at"]) if order.get("paid_at") else None,
        paid=paid[0] if paid else None,
        outcomes=tuple(event for event in events if event.type in handlers.ORDER_OUTCOMES))


class Reconciler:
    """``database`` has ``transaction()`` (chassis.db.Database or a worker's ServiceDatabase);
    ``app`` is the funds App (``funds.bootstrap``): its unit of work and its handler table."""

    def __init__(self, database, market, app, page_size=PAGE_SIZE):
        self.database = database
        self.market = market
        self.app = app
        self.page_size = page_size

    def _read(self):
        return unit_of_work(self.database, self.app.unit_of_work)

    def run(self, paid_from=None, paid_to=None, repair=False):
        report = reconciliation.Report(paid_from=paid_from, paid_to=paid_to, repair=repair)
        seen = set()
        for page in self.market.pages(paid_from, paid_to, self.page_size):
            seen.update(order.order_id for order in page)
            self._check(page, report, repair)
        self._orphans(paid_from, paid_to, seen, report, repair)
        with self._read() as uow:
            report.findings += reconciliation.ledger_findings(
                uow.reconciliation.unbalanced_transactions(),
                uow.reconciliation.accounts_off_their_entries())
        return report

    def _compare(self, orders):
        """Findings of a page of orders, from one read of what funds holds for them."""
        ids = [order.order_id for order in orders]
        with self._read() as uow:
            repo = uow.reconciliation
            credits = repo.credits_of_orders(ids)
            outcomes = repo.outcomes_of_orders(ids)
            ledger = repo.ledger_of_credits([credit.id for of_order in credits.values() for credit in of_order])
            paid = [order.paid.data for order in orders if order.paid]
            agreements = repo.agreements_of_sellers({data["seller_org_id"] for data in paid})
            home_funds = repo.home_funds({data[side] for data in paid
                                          for side in ("seller_org_id", "buyer_org_id")})
        findings = []
        for order in orders:
            events, refunds = outcomes.get(order.order_id, (set(), set()))
            held = reconciliation.Held(credits=tuple(credits.get(order.order_id, ())),
                                       recorded_events=frozenset(events), recorded_refunds=frozenset(refunds),
                                       ledger=ledger)
            seller = order.paid.data["seller_org_id"] if order.paid else None
            findings += reconciliation.compare_order(order, agreements.get(seller, []), home_funds.get, held)
        return findings

    def _check(self, orders, report, repair):
        report.orders_checked += len(orders)
        findings = self._compare(orders)
        drifting = {finding.order_id for finding in findings if finding.repairable}
        if repair and drifting:
            replayed = [order for order in orders if order.order_id in drifting]
            for order in replayed:
                self.replay(order)
            report.replayed_orders += len(replayed)
            repaired, findings = reconciliation.after_repair(
                findings, [f for f in findings if f.order_id not in drifting] + self._compare(replayed))
            report.repaired += repaired
            for finding in repaired:
                REPAIRS.labels(finding.kind).inc()
        report.findings += findings

    def replay(self, order):
        """Apply the order's original events through the handler table, payment first."""
        for event in order.events:
            with unit_of_work(self.database, self.app.unit_of_work) as uow:
                self.app.handlers[event.type](uow, event)
        log.info("reconciliation replayed %d event(s) of order %s", len(order.events), order.order_id)

    def _orphans(self, paid_from, paid_to, seen, report, repair):
        """Credits booked in the window for orders the marketplace did not list as paid in it:
        either paid outside the window (checked like the others) or not paid at all."""
        after = None
        while True:
            with self._read() as uow:
                ids = uow.reconciliation.credited_orders(paid_from, paid_to, after, 1000)
            if not ids:
                return
            after = ids[-1]
            unseen = [order_id for order_id in ids if order_id not in seen]
            if not unseen:
                continue
            known = self.market.by_ids(unseen)
            if known:
                seen.update(order.order_id for order in known)
                self._check(known, report, repair)
            unknown = set(unseen) - {order.order_id for order in known}
            if unknown:
                with self._read() as uow:
                    credits = uow.reconciliation.credits_of_orders(sorted(unknown))
                for order_id in sorted(unknown):
                    report.findings += reconciliation.orphan_credit_findings(order_id, credits[order_id])

    def fund_names(self, report):
        fund_ids = {finding.fund_id for finding in report.findings + report.repaired if finding.fund_id}
        if not fund_ids:
            return {}
        with self._read() as uow:
            return uow.reconciliation.fund_names(fund_ids)


def record_metrics(report):
    ORDERS_IN_DRIFT.set(report.orders_in_drift)
    counts = report.by_kind()
    for kind in reconciliation.KINDS:
        FINDINGS.labels(kind).set(counts.get(kind, 0))
    LAST_RUN.set(time.time())


def reconciler_of(database, app):
    """The reconciler the settings of ``app`` describe (the marketplace's URL and operator token)."""
    token = app.settings.marketplace_operator_token
    if not token:
        raise MarketplaceError("MARKETPLACE_OPERATOR_TOKEN is not set: issue one with "
                               "`codi-admin marketplace token issue --kind operator`")
    return Reconciler(database, MarketplaceOrders(app.settings.marketplace_url, token), app)


def periodic(database, app):
    """One run of the timer: the last reconcile_window of payments, leaving out the last
    reconcile_grace (events still on their way); repairs if reconcile_repair is set."""
    settings = app.settings
    paid_to = app.clock() - settings.reconcile_grace
    paid_from = paid_to - settings.reconcile_window
    report = reconciler_of(database, app).run(paid_from, paid_to, settings.reconcile_repair)
    record_metrics(report)
    if report.clean:
        log.info("reconciliation: %d orders, no drift", report.orders_checked)
    else:
        log.warning("reconciliation: %d orders, %d in drift: %s", report.orders_checked,
                    report.orders_in_drift, json.dumps(report.by_kind()))
    return report


# -- the command ---------------------------------------------------------------------------

def day_start(text):
    """--from/--to DATE (YYYY-MM-DD, Gregorian) as the start of that day in Bangkok."""
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), THAI_TIME)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# codi-admin funds reconcile (funds.description)
HELP = "compare paid orders with the ledger; --repair replays the missing events"


def add_arguments(parser):
    parser.add_argument("--from", dest="paid_from", type=day_start,
                        help="orders paid on or after this day (YYYY-MM-DD, Bangkok time)")
    parser.add_argument("--to", dest="paid_to", type=day_start,
                        help="orders paid before this day (default: now, less --grace-minutes)")
    parser.add_argument("--grace-minutes", type=float,
                        help="without --to, leave out the last minutes of payments (events in flight; "
                             "default: RECONCILE_GRACE_SECONDS)")
    parser.add_argument("--repair", action="store_true",
                        help="replay the original events of the orders in drift (idempotent)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def command(args, environ=None, out=sys.stdout):
    """Run the reconciliation; exit status 0 when no drift remains, 1 when some does, 2 when it
    could not run (marketplace or database unreachable, no token)."""
    from chassis.cli import service_config
    from chassis.command import fail
    from chassis.db import Database

    config = service_config("funds", environ)
    app = bootstrap(config)
    grace = (app.settings.reconcile_grace if args.grace_minutes is None
             else dt.timedelta(minutes=args.grace_minutes))
    paid_to = args.paid_to or (app.clock() - grace)
    database = Database(config["DATABASE_URL"], pool_size=1)
    try:
        reconciler = reconciler_of(database, app)
        report = reconciler.run(args.paid_from, paid_to, args.repair)
        names = reconciler.fund_names(report)
    except MarketplaceError as exc:  # an unreachable database is codi-admin's to report
        return fail("codi-admin funds reconcile", "กระทบยอดไม่ได้ (cannot reconcile)", exc)
    finally:
        database.close()
    if args.json:
        body = reconciliation_report.to_json(report, names)
        out.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(reconciliation_report.render_text(report, names))
    return 0 if report.clean else 1
