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
