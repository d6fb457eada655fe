"""Issuing the monthly statements as an operation: the timer (``STATEMENT_ISSUE_INTERVAL_S``) and
``codi-admin funds issue-statements [--month YYYY-MM]``.

For a closed month (Asia/Bangkok; by default the last one at the App's clock), each registered
fund's statement not yet issued is issued in a transaction of its own (``handlers.issue_statement``):
the ``statements_issued`` row and the ``statement.issued`` event commit together, so each fund's
statement of a month goes out exactly once, however often the timer fires, the command is run, or
instances race (the second waits on the first's row, then finds it).
"""
import argparse
import logging
import sys

from chassis.errors import InvalidInput
from chassis.thai import thai_month
from chassis.uow import unit_of_work

from funds import handlers, statements
from funds.bootstrap import bootstrap

log = logging.getLogger(__name__)


def issue(database, app, month=None):
    """Issue ``month``'s statements not issued yet (default: the last closed month at
    ``app.clock()``); returns (month, the payloads issued now). A month not closed is InvalidInput."""
    now = app.clock()
    month = statements.require_closed(month or statements.last_closed_month(now), now)
    with unit_of_work(database, app.unit_of_work) as uow:
        fund_ids = uow.funds.ids_without_statement(month)
    issued = []
    for fund_id in fund_ids:
        with unit_of_work(database, app.unit_of_work) as uow:
            payload = handlers.issue_statement(uow, fund_id, month, now)
        if payload is not None:
            issued.append(payload)
    if issued:
        log.info("statements of %s issued for %d funds", month, len(issued))
    return month, issued


# -- the command ---------------------------------------------------------------------------

def month_argument(text):
    try:
        statements.month_bounds(text)
    except InvalidInput:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM, Gregorian): {text!r}") from None
    return text


# codi-admin funds issue-statements (funds.description)
HELP = "issue each fund's monthly statement not issued yet (statement.issued, once per fund and month)"


def add_arguments(parser):
    parser.add_argument("--month", type=month_argument,
                        help="the month (YYYY-MM, Bangkok; default: the last closed month)")


def command(args, environ=None, out=sys.stdout, app=None):
    """Issue the statements and say so in Thai; exit status 0, or 2 when the month has not closed
    (``app`` for tests: one whose clock says when "now" is)."""
    from chassis.cli import service_config
    from chassis.command import fail
    from chassis.db import Database

    config = service_config("funds", environ)
    app = app or bootstrap(config)
    database = Database(config["DATABASE_URL"], pool_size=1)
    try:
        month, issued = issue(database, app, args.month)
    except InvalidInput as exc:
        return fail("codi-admin funds issue-statements", "ออกรายงานประจำเดือนไม่ได้ (cannot issue statements)",
                    "; ".join(m for messages in exc.fields.values() for m in messages))
    finally:
        database.close()
    year, number = map(int, month.split("-"))
    out.write(f"รายงานประจำเดือน{thai_month(year, number)} ({month}): ออกใหม่ {len(issued)} กองทุน "
              f"(issued for {len(issued)} funds)\n")
    for payload in issued:
        out.write(f"- {payload['fund_name_th']} ({payload['fund_id']}): {payload['entry_count']} รายการ\n")
    return 0
