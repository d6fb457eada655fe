"""Payment reconciliation as an operation: ``codi-admin marketplace reconcile-payments`` and the
optional periodic timer (``periodically``, run by the marketplace service's timer, off unless
PAYMENT_RECONCILE_INTERVAL_S > 0).

Reads the provider's charges of a Bangkok day (``PaymentProvider.list_charges``), the payments the
marketplace recorded for them and those it received that day (``uow.payment_reconciliation``), fetches
back the charge of any payment outside the day's list (the provider may not know it), and compares
(``marketplace.payment_reconciliation``). It changes nothing: drift is for an operator
(docs/operations.md, "Payment reconciliation").
"""
import argparse
import datetime as dt
import json
import logging
import sys
import time

from prometheus_client import Gauge

from chassis.errors import NotFound, TransientError
from chassis.thai import THAI_TIME
from chassis.uow import unit_of_work

from marketplace import payment_reconciliation
from marketplace.adapters import ProviderUnavailable
from marketplace.payments import PaymentProviderError

log = logging.getLogger(__name__)

DRIFT = Gauge("codi_payment_reconcile_drift",
              "Disagreements between the payment provider and the marketplace found by the last "
              "payment reconciliation, by kind.", ["kind"])
LAST_RUN = Gauge("codi_payment_reconcile_last_run_timestamp_seconds",
                 "When the last payment reconciliation finished (Unix time).")


def day_bounds(day):
    start = dt.datetime.combine(day, dt.time(), THAI_TIME)
    return start, start + dt.timedelta(days=1)


class PaymentReconciler:
    """``database`` has ``transaction()`` (chassis.db.Database or a worker's ServiceDatabase),
    ``provider`` is a ``marketplace.payments.PaymentProvider`` (the App's ``payments``), the unit of
    work the marketplace's. A provider that cannot be asked (unreachable, our key refused, not
    configured) is ProviderUnavailable."""

    def __init__(self, database, provider, unit_of_work_factory):
        self.database, self.provider, self.unit_of_work_factory = database, provider, unit_of_work_factory

    def _ask(self, call, *args):
        try:
            return call(*args)
        except (TransientError, PaymentProviderError) as exc:
            raise ProviderUnavailable(str(exc)) from exc

    def run(self, day, settled_before=None):
        charges = self._ask(self.provider.list_charges, day)
        with unit_of_work(self.database, self.unit_of_work_factory) as uow:
            payments = uow.payment_reconciliation.provider_payments(
                [charge.id for charge in charges], *day_bounds(day))
        listed = {charge.id for charge in charges}
        for charge_id in sorted({payment.charge_id for payment in payments} - listed):
            try:
                charges.append(self._ask(self.provider.fetch_charge, charge_id))
            except NotFound:
                pass  # a payment the provider does not know: the comparison reports it
        return payment_reconciliation.compare(day, charges, payments, settled_before)


def record_metrics(reports):
    """The drift of the last run (the sum over the days it checked), by kind."""
    for kind in payment_reconciliation.KINDS:
        DRIFT.labels(kind).set(sum(report.by_kind()[kind] for report in reports))
    LAST_RUN.set(time.time())


def periodic(reconciler, now, grace):
    """One run of the timer: yesterday and today (Bangkok) so far, leaving charges paid within
    ``grace`` of ``now`` to their webhooks."""
    today = now.astimezone(THAI_TIME).date()
    reports = [reconciler.run(day, now - grace) for day in (today - dt.timedelta(days=1), today)]
    record_metrics(reports)
    drift = {kind: count for kind, count in
             ((kind, sum(r.by_kind()[kind] for r in reports)) for kind in payment_reconciliation.KINDS) if count}
    if drift:
        log.warning("payment reconciliation: drift %s", json.dumps(drift))
    else:
        log.info("payment reconciliation: %d charges, no drift", sum(r.charges_checked for r in reports))
    return reports


def periodically(database, app):
    """What the marketplace's timer runs: yesterday and today so far; a provider away is logged."""
    try:
        reconciler = PaymentReconciler(database, app.payments, app.unit_of_work)
        periodic(reconciler, app.clock(), dt.timedelta(seconds=app.settings.payment_reconcile_grace_seconds))
    except ProviderUnavailable as exc:
        log.warning("payment reconciliation skipped: %s", exc)


# -- the command: codi-admin marketplace reconcile-payments (marketplace.description) --------------

HELP = "compare the payment provider's charges of a day with the marketplace's payments"


def a_day(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_arguments(parser):
    parser.add_argument("--day", type=a_day,
                        help="the day the charges were made (YYYY-MM-DD, Asia/Bangkok; default yesterday)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def command(args, environ=None, out=sys.stdout):
    """Exit status 0 when both sides agree, 1 when they do not, 2 when it could not run (the
    provider unreachable or not configured; an unreachable database is codi-admin's to report)."""
    from chassis.cli import service_config
    from chassis.command import fail
    from chassis.db import Database

    from marketplace.bootstrap import bootstrap

    config = service_config("marketplace", environ)
    app = bootstrap(config, environ)
    now = app.clock()
    day = args.day or (now.astimezone(THAI_TIME).date() - dt.timedelta(days=1))
    grace = dt.timedelta(seconds=app.settings.payment_reconcile_grace_seconds)
    database = Database(config["DATABASE_URL"], pool_size=1)
    try:
        report = PaymentReconciler(database, app.payments, app.unit_of_work).run(day, now - grace)
    except ProviderUnavailable as exc:
        return fail("codi-admin marketplace reconcile-payments",
                    "ผู้ให้บริการชำระเงินไม่พร้อม กระทบยอดไม่ได้ (payment provider unavailable: cannot reconcile)", exc)
    finally:
        database.close()
    if args.json:
        out.write(json.dumps(payment_reconciliation.to_json(report), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(payment_reconciliation.render_text(report))
    return 0 if report.clean else 1
