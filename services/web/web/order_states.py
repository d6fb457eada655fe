"""An order's state as its buyer and seller read it: one Thai label from the marketplace's three
axes (status, payment status, fulfilment status; services/marketplace/marketplace/orders.py), and
what each side may do next."""

PAYMENT_NOTES = {"partially_refunded": "คืนเงินบางส่วนแล้ว (partly refunded)",
                 "refunded": "คืนเงินแล้ว (refunded)"}
PAYMENT_REQUEST_STATES = {
    "awaiting_payment": "รอชำระเงิน (awaiting payment)",
    "paid": "ชำระแล้ว (paid)",
    "held_for_review": "ยอดโอนไม่ตรง รอเจ้าหน้าที่ตรวจสอบ (held for review)",
    "refund_due": "รอคืนเงิน (refund due)",
    "expired": "หมดเวลาชำระ (expired)",
    "cancelled": "ยกเลิกแล้ว (cancelled)",
}
DELIVERY_METHODS = {"carrier": "ส่งโดยผู้ขนส่ง (by carrier)",
                    "distribution_centre": "รับที่ศูนย์กระจายสินค้า (pickup at a distribution centre)",
                    "local_pickup": "รับเองที่ผู้ขาย (pickup at the seller's)"}


def order_state_th(order):
    """One label for ``order`` (an OrderOut dict), e.g. "จัดส่งแล้ว (shipped)"."""
    status, payment = order.get("status"), order.get("payment_status")
    fulfilment = order.get("fulfilment_status")
    if status == "cancelled":
        label = "ยกเลิกแล้ว (cancelled)"
    elif status == "expired":
        label = "หมดเวลาชำระเงิน (expired unpaid)"
    elif status == "completed":
        label = "ได้รับสินค้าแล้ว (received)"
    elif status == "placed":
        label = ("ยอดโอนไม่ตรง รอเจ้าหน้าที่ตรวจสอบ (payment held for review)" if payment == "held_for_review"
                 else "รอชำระเงิน (awaiting payment)")
    elif status == "confirmed" and order.get("dispute") and not order["dispute"].get("outcome"):
        label = "มีข้อโต้แย้ง รอเจ้าหน้าที่ (disputed)"
    elif status == "confirmed" and fulfilment == "shipped":
        label = "จัดส่งแล้ว รอผู้ซื้อยืนยันรับ (shipped)"
    elif status == "confirmed":
        label = "ชำระแล้ว รอจัดส่ง (paid, to be shipped)"
    else:
        label = f"{status} / {payment} / {fulfilment}"
    note = PAYMENT_NOTES.get(payment)
    return f"{label} · {note}" if note else label


def buyer_may_confirm_receipt(order):
    return order.get("status") == "confirmed" and order.get("fulfilment_status") == "shipped"


def seller_may_confirm_transfer(order, payment_request):
    return (order.get("status") == "placed" and order.get("payment_status") == "unpaid"
            and (payment_request or {}).get("method") == "direct_transfer")


def seller_may_ship(order):
    return order.get("status") == "confirmed" and order.get("fulfilment_status") == "unfulfilled"


def seller_may_refund(order):
    return order.get("payment_status") in ("paid", "partially_refunded")


def delivery_label(method):
    return DELIVERY_METHODS.get(method, method)
