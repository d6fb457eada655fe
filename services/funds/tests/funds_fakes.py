"""In-memory stand-ins for the funds repositories: the handlers run unchanged, without a database.

They keep the same uniqueness rules as the SQL schema (one credit per order, fund and agreement;
one outcome per event and per refund; one ledger transaction per source event, kind and credit),
so the domain can be exercised with hypothesis at thousands of cases a second.
"""
import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import replace

from chassis.app import bind_handlers
from contracts import Event, encode
from contracts import marketplace
from funds import handlers
from funds.ledger import assert_balanced, fund_account


class Store:
    def __init__(self, agreements=(), funds=()):
        self.agreements = list(agreements)
        self.funds = {fund_id: {"id": fund_id, "name_th": f"กองทุน {fund_id}"} for fund_id in funds}
        self.home_funds = {}                # organisation id → its home fund id
        self.credits = {}                   # id → funds.credits.Credit
        self.outcomes = []                  # (order_id, Outcome)
        self.transactions = {}              # (source_event_id, kind, credit_id) → legs
        self.balances = defaultdict(int)    # (account, phase) → satang
        self.published = []                 # (event type, payload) of committed units of work
        self.counted = []                   # credits counted in the levy metrics, after their commit
        # the handler table as funds.bootstrap binds it, counting into this store
        self.handlers = bind_handlers(handlers.EVENT_HANDLERS,
                                      {"count_credit": lambda credit, fund: self.counted.append(credit)})

    def unit_of_work(self):
        return FakeUnitOfWork(self)

    def handle(self, event, uow=None):
        """``event`` through the handler table in one unit of work, committed."""
        uow = uow or self.unit_of_work()
        self.handlers[event.type](uow, event)
        uow.commit()

    def fund_balance(self, fund_id):
        return {phase: self.balances[(fund_account(fund_id), phase)] for phase in ("posted", "pending")}


class FakeUnitOfWork:
    def __init__(self, store):
        self.store = store
        self.events = []
        self.committed_callbacks = []
        self.agreements = self
        self.organisations = self
        self.funds = self
        self.officers = self
        self.credits = FakeCredits(store)
        self.outcomes = FakeOutcomes(store)
        self.ledger = FakeLedger(store)

    def emit(self, event_type, data):
        encode(event_type, data)  # every emitted payload must satisfy its contract
        self.events.append((event_type, data))

    def after_commit(self, callback):
        self.committed_callbacks.append(callback)

    def commit(self):
        self.store.published.extend(self.events)
        for callback in self.committed_callbacks:
            callback()

    # the read models, all in one
    def for_seller(self, seller_org_id):
        return [a for a in self.store.agreements if a.seller_org_id == seller_org_id]

    def home_fund_of(self, organisation_id):
        return self.store.home_funds.get(organisation_id)

    def parties(self, *organisation_ids):
        return [{"org_id": org_id, "name_th": None, "province_code": None, "province_name_th": None}
                for org_id in organisation_ids]

    def get(self, fund_id):
        return self.store.funds.get(fund_id)

    def movement_facts(self, fund_id):
        fund = self.store.funds.get(fund_id)
        return {"name_th": fund["name_th"] if fund else "", "officer_ids": [],
                "region": fund.get("region") if fund else None,
                "province_group": fund.get("province_group") if fund else None,
                "balance": self.ledger.balance(fund_id)}


class FakeCredits:
    def __init__(self, store):
        self.store = store

    def add(self, credit, source_event_id):
        key = (credit.order_id, credit.fund_id, credit.agreement_id)
        if any((c.order_id, c.fund_id, c.agreement_id) == key for c in self.store.credits.values()):
            return False
        self.store.credits[credit.id] = credit
        return True

    def of_order(self, order_id):
        return [credit for credit in self.store.credits.values() if credit.order_id == order_id]

    def save_settlement(self, credit):
        stored = self.store.credits[credit.id]
        self.store.credits[credit.id] = replace(stored, status=credit.status, refunded=dict(credit.refunded))


class FakeOutcomes:
    def __init__(self, store):
        self.store = store

    def lock_order(self, order_id):
        pass  # one thread

    def record(self, order_id, outcome, occurred_at):
        for _, known in self.store.outcomes:
            if known.source_event_id == outcome.source_event_id or (
                    outcome.refund_id is not None and known.refund_id == outcome.refund_id):
                return False
        self.store.outcomes.append((order_id, outcome))
        return True

    def of_order(self, order_id):
        return [outcome for known, outcome in self.store.outcomes if known == order_id]


class FakeLedger:
    def __init__(self, store):
        self.store = store

    def record(self, kind, credit_id, source_event_id, legs, fund_id=None):
        key = (source_event_id, kind, credit_id)
        if key in self.store.transactions:
            return None
        assert_balanced(legs)
        self.store.transactions[key] = list(legs)
        for account, phase, amount in legs:
            self.store.balances[(account, phase)] += amount
            if account == fund_account(fund_id):
                assert self.store.balances[(account, phase)] >= 0, "a fund went negative"
        return uuid.uuid4()

    def balance(self, fund_id, lock=False):
        balance = self.store.fund_balance(fund_id)
        return {"posted_satang": balance["posted"], "pending_satang": balance["pending"]}


def order_event(event_type, order, event_id=None, **extra):
    """A decoded marketplace event about ``order`` (as the consumer receives it)."""
    return Event(event_id or uuid.uuid4(), event_type, dt.datetime.now(dt.timezone.utc),
                 {**order, **extra})


def paid(order, event_id=None):
    return order_event(marketplace.ORDER_PAID, order, event_id,
                       payment_id=uuid.uuid4(), amount_satang=order["total_satang"],
                       paid_at=dt.datetime.now(dt.timezone.utc))


def refunded(order, lines, event_id=None, refund_id=None):
    return order_event(marketplace.ORDER_REFUNDED, order, event_id, refund_id=refund_id or uuid.uuid4(),
                       refunded_lines=[{"line_no": n, "quantity": q} for n, q in lines],
                       amount_satang=0)
