"""The fault harness's own pieces: the checker's arithmetic, the Message-ID, the cutting proxy."""
import socket
import threading
import uuid
from email.message import EmailMessage

from chaos import checker
from chaos.proxy import Proxy
from chaos.run import Progress
from notifications import compose


def order(paid=True, status="placed", quantity=5):
    return {"id": str(uuid.uuid4()), "paid_at": "2023-05-30T10:00:00+07:00" if paid else None,
            "status": status, "quantity": quantity}


def test_expected_levies_follow_payment_cancellation_and_refunds():
    paid, unpaid, cancelled, refunded = order(), order(paid=False), order(status="cancelled"), order()
    expected = checker.expected_levies([paid, unpaid, cancelled, refunded], {refunded["id"]: 2}, 400)
    assert expected == {paid["id"]: 2000, unpaid["id"]: 0, cancelled["id"]: 0, refunded["id"]: 1200}


def test_compare_counts_lost_duplicated_and_unexpected_separately():
    expected = {"a": 400, "b": 800, "c": 0, "d": 1200}
    actual = {"a": 400, "b": 1600, "c": 400, "e": 400}
    # d is lost, b is doubled, c (owes nothing) and e (unknown order) are unexpected
    assert checker.compare(expected, actual) == (1, 1, 2)


def test_a_fund_holding_more_levy_than_the_money_kept_for_an_order_is_caught():
    money_kept = {"paid": 25_000, "refunded": 0, "free": 0}
    assert checker.levy_above_money({"paid": 400, "refunded": 0}, money_kept) == 0
    assert checker.levy_above_money({"paid": 25_001, "refunded": 1, "free": 400}, money_kept) == 3
    assert checker.levy_above_money({"never-paid": 1}, money_kept) == 1


def test_the_checker_recomputes_the_same_message_id_as_the_service():
    event_id, officer_id = uuid.uuid4(), uuid.uuid4()
    assert checker.message_id(event_id, officer_id, "x.example") == compose.message_id(event_id, officer_id, "x.example")


def write_mail(directory, message_id):
    mail = EmailMessage()
    mail["Message-ID"] = message_id
    mail.set_content("x")
    (directory / f"{uuid.uuid4().hex}.eml").write_bytes(mail.as_bytes())


def test_emails_missing_duplicated_and_resent_are_told_apart(tmp_path):
    officer, events = uuid.uuid4(), [uuid.uuid4() for _ in range(3)]
    ids = [checker.message_id(e, officer, "d") for e in events]
    write_mail(tmp_path, ids[0])
    write_mail(tmp_path, ids[1])
    write_mail(tmp_path, ids[1])                  # resent after a crash: same Message-ID
    write_mail(tmp_path, "<stray@d>")             # a different email for no known credit
    assert checker.check_emails(tmp_path, events, [officer], "d") == (1, 1, 1)


def test_the_proxy_forwards_and_cuts_connections_mid_stream():
    server = socket.create_server(("127.0.0.1", 0))

    def echo():
        connection, _ = server.accept()
        while data := connection.recv(1024):
            connection.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    proxy = Proxy("127.0.0.1", server.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    client.sendall(b"hello")
    assert client.recv(1024) == b"hello"
    assert proxy.cut() == 2
    assert client.recv(1024) == b""  # the peer closed: the connection was cut
    proxy.close()
    server.close()


def test_levy_emails_are_expected_per_movement_and_a_movement_told_twice_is_doubled():
    import json

    credit = str(uuid.uuid4())

    def row(event_type, reversal_id=None):
        return {"body": json.dumps({"event_id": str(uuid.uuid4()), "event_type": event_type,
                                    "data": {"credit_id": credit, "reversal_id": reversal_id}})}

    reversal = str(uuid.uuid4())
    rows = [row("levy.pending"), row("levy.reversed", reversal), row("levy.reversed", str(uuid.uuid4())),
            row("levy.voided"), row("levy.voided")]
    events, doubled = checker.levy_email_events(rows)
    assert len(events) == 5
    assert doubled == 1  # the void told twice; two different reversals are two movements


def test_faults_are_paced_by_the_workload_progress():
    progress = Progress(total=10)
    reached = []
    waiter = threading.Thread(target=lambda: reached.append(progress.wait_for(0.5)))
    waiter.start()
    for _ in range(4):
        progress.advance()
    waiter.join(timeout=0.2)
    assert waiter.is_alive(), "a fault waited for half the orders, only 4 of 10 were driven"
    progress.advance()
    waiter.join(timeout=5)
    assert reached == [False]  # half driven, workload not over
    progress.finish()
    assert progress.wait_for(1.0) is True  # the workload ended: later faults do not wait


# -- payments: backed by money, forgeries changed nothing ---------------------------------------

SELLER, BUYER = str(uuid.uuid4()), str(uuid.uuid4())


def paid_event(order_id, method="provider", charge_id=None, reference="CODI-AAAA", kind=None, by=None):
    kind = kind or ("provider" if method == "provider" else "organisation")
    return {"order_id": order_id, "payment": {
        "method": method, "provider": "omise" if method == "provider" else None, "charge_id": charge_id,
        "reference": reference, "confirmed_by": {"kind": kind, "id": by or (SELLER if kind == "organisation" else "omise")},
        "received_at": "2026-11-30T10:00:00+07:00"}}


def test_paid_orders_backed_by_a_successful_charge_or_the_sellers_confirmation_pass():
    by_provider, by_transfer = str(uuid.uuid4()), str(uuid.uuid4())
    orders = {order_id: {"total_satang": 25_000, "seller_org_id": SELLER} for order_id in (by_provider, by_transfer)}
    charges = {"chrg_1": {"id": "chrg_1", "status": "successful", "amount": 25_000}}
    events = [paid_event(by_provider, charge_id="chrg_1"),
              paid_event(by_transfer, "direct_transfer", reference="TRF-1")]
    assert checker.unbacked_payments(events, orders, charges, {by_provider: "chrg_1"},
                                     {by_transfer: "TRF-1"}) == ([], 0)


def test_every_way_of_paying_without_money_is_caught_and_said_why():
    ids = [str(uuid.uuid4()) for _ in range(9)]
    orders = {order_id: {"total_satang": 25_000, "seller_org_id": SELLER} for order_id in ids}
    charges = {"chrg_paid": {"id": "chrg_paid", "status": "successful", "amount": 25_000},
               "chrg_pending": {"id": "chrg_pending", "status": "pending", "amount": 25_000},
               "chrg_small": {"id": "chrg_small", "status": "successful", "amount": 100}}
    issued = {ids[0]: "chrg_mine", ids[1]: "chrg_gone", ids[2]: "chrg_pending", ids[3]: "chrg_small",
              ids[7]: "chrg_paid"}
    events = [
        paid_event(ids[0], charge_id="chrg_paid"),                             # another order's charge
        paid_event(ids[1], charge_id="chrg_gone"),                             # unknown to the provider
        paid_event(ids[2], charge_id="chrg_pending"),
        paid_event(ids[3], charge_id="chrg_small"),
        paid_event(ids[4], "direct_transfer", by=BUYER),                       # the buyer's word
        paid_event(ids[5], "direct_transfer", reference="TRF-NOBODY"),
        {"order_id": ids[6], "payment_id": str(uuid.uuid4())},                 # version 1: no payment facts
        paid_event(ids[7], charge_id="chrg_paid", kind="organisation", by=SELLER),
        paid_event(ids[8], "direct_transfer", kind="provider"),
    ]
    unbacked, paid_twice = checker.unbacked_payments(events, orders, charges, issued, {ids[5]: "TRF-REAL"})
    assert dict(unbacked) == {
        ids[0]: "not the order's own charge", ids[1]: "a charge the provider does not know",
        ids[2]: "a pending charge", ids[3]: "a charge of another amount",
        ids[4]: "confirmed by an organisation that is not the seller", ids[5]: "a transfer nobody confirmed",
        ids[6]: "no payment facts (the buyer's word)", ids[7]: "confirmed by organisation",
        ids[8]: "confirmed by provider"}
    assert paid_twice == 0


def test_an_order_paid_twice_is_counted():
    order_id = str(uuid.uuid4())
    orders = {order_id: {"total_satang": 25_000, "seller_org_id": SELLER}}
    charges = {"chrg_1": {"id": "chrg_1", "status": "successful", "amount": 25_000}}
    event = paid_event(order_id, charge_id="chrg_1")
    assert checker.unbacked_payments([event, event], orders, charges, {order_id: "chrg_1"}, {}) == ([], 1)


def test_forgeries_rejected_or_ignored_pass_and_a_paid_victim_or_a_wrong_answer_does_not():
    ledger = checker.WebhookLedger()
    victims = {name: str(uuid.uuid4()) for name in ("a", "b", "c", "d", "e")}
    ledger.forged("bad_signature", 401, victims["a"])
    ledger.forged("stale_timestamp", 401, victims["b"])
    ledger.forged("other_orders_charge", 200, victims["c"])
    ledger.forged("unpaid_charge", 503, victims["d"])
    ledger.replayed("charge.complete", [200, 200, 200])
    unpaid = {order_id: "unpaid" for order_id in victims.values()}
    assert checker.webhook_verdict(ledger, unpaid.get) == {
        "forged": {"bad_signature": 1, "stale_timestamp": 1, "other_orders_charge": 1, "unpaid_charge": 1},
        "forged_rejected": 2, "forged_ignored": 2, "forged_accepted": 0, "replays": 1,
        "replayed_deliveries": 3, "unexpected_answers": 0}

    ledger.forged("bad_signature", 200, victims["e"])       # a bad signature must be refused
    ledger.replayed("refund.create", [200, 401])             # a real event, refused on its replay
    verdict = checker.webhook_verdict(ledger, {**unpaid, victims["c"]: "paid"}.get)
    assert (verdict["forged_accepted"], verdict["unexpected_answers"]) == (1, 2)


def test_a_step_a_client_was_told_succeeded_must_have_left_its_event():
    placed, paid, shared = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    events = [("order.placed", {"order_id": placed}), ("order.placed", {"order_id": paid}),
              ("order.paid", {"order_id": paid}), ("share.requested", {"share_id": shared}),
              ("exchange.shipped", {"exchange_id": "e1"})]
    driven = [("order", placed, {"place": 201, "pay": "unpaid", "cancel": 409}),  # failures promise nothing
              ("order", paid, {"place": 201, "pay": "paid"}),
              ("share", shared, {"request": 201, "approve": 200}),                  # approval lost
              ("exchange", "e1", {"offer": 201, "ship": [200, 200], "receive": [200, 503]}),  # offer lost
              ("order", None, {"place": 503})]                                       # never placed
    count, examples, checked = checker.acknowledged_lost(driven, events)
    assert (count, checked) == (2, 7)
    assert sorted(examples) == [("exchange", "e1", "offer"), ("share", shared, "approve")]


def test_done_is_a_200_or_201_each_of_several_calls_or_a_payment_no_longer_unpaid_not_a_202():
    assert [checker.succeeded(a) for a in (200, 201, 202, 409, 503, "paid", "unpaid", [200, 200], [200, 409], [])] == [
        True, True, False, False, False, True, False, True, False, False]
