"""Composing officers' emails: Thai first, amounts to the satang, Buddhist-era dates.

Pure domain logic (templates are files, rendered with Jinja2). No user-supplied text
reaches a header unchecked: CR, LF, other control characters and encoded-word openers
(``=?``, the CVE-2024-6923 class) are removed from anything placed in a header.
"""
import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from chassis.errors import NotFound
from chassis.thai import THAI_TIME, baht_in_words, format_baht, thai_date, thai_datetime

_templates = Environment(
    loader=PackageLoader("notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a missing field is an error, never a blank in an email
    keep_trailing_newline=True,
)

_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f]|=\?")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class TemplateKind:
    """One kind of email. Critical mail (reversals, voids) ignores an officer's opt-out:
    a fund must learn that money it was told about is gone. A kind that is not ``per_event``
    is only ever told in the daily digest (a posting follows every delivered order: one more
    email per order would bury the ones that matter)."""

    name: str
    critical: bool
    per_event: bool = True


LEVY_PENDING = TemplateKind("levy_pending", critical=False)
LEVY_POSTED = TemplateKind("levy_posted", critical=False, per_event=False)
LEVY_VOIDED = TemplateKind("levy_voided", critical=True)
LEVY_REVERSED = TemplateKind("levy_reversed", critical=True)
DAILY_DIGEST = TemplateKind("daily_digest", critical=False)
# asked for by the person it goes to: always sent, whatever any preference says
SIGNIN_LINK = TemplateKind("signin_link", critical=True)
MONTHLY_STATEMENT = TemplateKind("monthly_statement", critical=False)
KINDS = {kind.name: kind for kind in (LEVY_PENDING, LEVY_VOIDED, LEVY_REVERSED, DAILY_DIGEST, SIGNIN_LINK,
                                      MONTHLY_STATEMENT)}

# What a stored body holds where the secret (a sign-in link) goes: the secret itself is kept
# apart (``deliveries.secret``), put in only by ``build_message`` and dropped once sent.
SECRET_PLACEHOLDER = "CODI-SECRET-LINK"


def template_kind(name):
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"ไม่มีแม่แบบอีเมล {name!r} (no such template)") from None


class UnsafeRecipient(ValueError):
    pass


def header_safe(text):
    """Text fit for a header: control characters and encoded-word openers removed."""
    previous = None
    while previous != text:  # removing one '=?' can join another
        previous, text = text, _HEADER_UNSAFE.sub("", text)
    return text.strip()


def checked_address(address):
    if not _EMAIL.match(address or "") or "=?" in address:
        raise UnsafeRecipient(f"not a plain email address: {address!r}")
    return address


def message_id(event_id, officer_id, domain):
    """The same event and officer always give the same Message-ID, so a resend collapses
    (``officer_id`` None: the one email of an event to an address)."""
    digest = hashlib.sha256(f"{event_id}:{officer_id or 'address'}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def render(kind, context):
    """(subject, text body, HTML body) of an email of ``kind``; a missing field raises."""
    subject = header_safe(_templates.get_template(f"{kind.name}.subject.txt").render(context))
    context = {**context, "subject": subject}
    text = _templates.get_template(f"{kind.name}.txt").render(context)
    html = _templates.get_template(f"{kind.name}.html").render(context)
    return subject, text, html


TRADE_KINDS_TH = {"sale": "ขาย", "share": "แบ่งปัน", "exchange": "แลกเปลี่ยน"}
DELIVERY_METHODS_TH = {"carrier": "ขนส่งโดยผู้ให้บริการขนส่ง", "distribution_centre": "รับที่ศูนย์กระจายสินค้า",
                       "local_pickup": "รับเอง"}


def _party(party, province_name_th=None):
    """'name (province)' of a levy.* v2 Party, or None when the registry had told neither."""
    if not party:
        return None
    name, province = party.get("name_th"), party.get("province_name_th") or province_name_th
    return " ".join(part for part in (name, f"({province})" if province else None) if part) or None


def trade_context(data):
    """Who traded what with whom and how it travelled (levy.* v2); a v1 movement gives a sale
    with no parties or route (each None), so the email says only what it knows."""
    route = data.get("route") or {}
    destination = route.get("destination") or {}
    origin = route.get("origin") or {}
    kind = data.get("trade_kind", "sale")
    return {
        "trade_kind": kind,
        "trade_kind_th": TRADE_KINDS_TH[kind],
        "seller": _party(data.get("seller"), origin.get("province_name_th")),
        "buyer": _party(data.get("buyer")),
        "destination": " ".join(part for part in (destination.get("name_th"), (
            f"({destination['province_name_th']})" if destination.get("province_name_th") else None))
            if part) or None,
        "delivery_method_th": DELIVERY_METHODS_TH.get(destination.get("method")),
        "goods": [{"product_name": line["product_name"], "quantity": line["quantity"], "unit": line["unit"]}
                  for line in data["lines"] if line.get("kind", "goods") == "goods"],
    }


def fund_url(web_url, fund_id):
    """The fund's page in the web app: every officer email links to it."""
    return f"{web_url.rstrip('/')}/funds/{fund_id}"


def statement_url(web_url, fund_id, month):
    return f"{fund_url(web_url, fund_id)}/statements/{month}"


def levy_context(data, officer, occurred_at, web_url):
    """What every email about one levy movement (a ``funds.LevyMovement``) can show."""
    return {
        "fund_url": fund_url(web_url, officer["fund_id"]),
        "language": officer["language"],
        "officer_name": officer["name"],
        "fund_name": data["fund_name_th"],
        "amount": format_baht(data["amount_satang"]),
        "amount_words": baht_in_words(data["amount_satang"]),
        "order_id": data["order_id"],
        "agreement_id": data["agreement_id"],
        "agreement_version": data["agreement_version"],
        "lines": [{**line, "levy": format_baht(line["levy_satang"])} for line in data["lines"]],
        "posted": format_baht(data["balance"]["posted_satang"]),
        "pending": format_baht(data["balance"]["pending_satang"]),
        "date": thai_date(occurred_at),
        **trade_context(data),
    }


def render_levy(kind, data, officer, occurred_at, web_url):
    return render(kind, levy_context(data, officer, occurred_at, web_url))


def digest_item(data, occurred_at, kind=LEVY_PENDING):
    """What a daily digest keeps of one levy movement (JSON-ready)."""
    trade = trade_context(data)
    return {"kind": kind.name, "order_id": str(data["order_id"]), "fund_name_th": data["fund_name_th"],
            "amount_satang": data["amount_satang"], "occurred_at": occurred_at.isoformat(),
            "trade_kind_th": trade["trade_kind_th"], "seller": trade["seller"], "buyer": trade["buyer"],
            "destination": trade["destination"], "delivery_method_th": trade["delivery_method_th"],
            "goods": ", ".join(f"{g['product_name']} {g['quantity']} {g['unit']}" for g in trade["goods"])}


def _digest_section(items):
    total = sum(item["amount_satang"] for item in items)
    return {"count": len(items), "total": format_baht(total), "total_words": baht_in_words(total),
            "items": [{"order_id": item["order_id"], "amount": format_baht(item["amount_satang"]),
                       "when": thai_datetime(dt.datetime.fromisoformat(item["occurred_at"])),
                       # items kept before trades were told (levy.* v1 era) know none of these
                       **{name: item.get(name) for name in (
                           "trade_kind_th", "seller", "buyer", "destination", "delivery_method_th", "goods")}}
                      for item in items]}


def daily_digest_context(items, officer, slot, web_url):
    """``items`` are ``digest_item`` dicts, oldest first; ``slot`` the digest's scheduled time.
    New credits (pending until delivery) and postings (delivered: the money is the fund's)
    are told apart; items kept before postings were digested count as credits."""
    credits = [item for item in items if item.get("kind", LEVY_PENDING.name) == LEVY_PENDING.name]
    posted = [item for item in items if item.get("kind") == LEVY_POSTED.name]
    return {
        "fund_url": fund_url(web_url, officer["fund_id"]),
        "language": officer["language"],
        "officer_name": officer["name"],
        "fund_name": items[0]["fund_name_th"],
        "credits": _digest_section(credits),
        "posted": _digest_section(posted),
        "date": thai_date(slot),
    }


def render_daily_digest(items, officer, slot, web_url):
    return render(DAILY_DIGEST, daily_digest_context(items, officer, slot, web_url))


STATEMENT_CSV_TYPE = "text/csv; charset=utf-8"


def statement_attachment(data):
    """(filename, content type, content) of a statement's CSV."""
    return f"statement-{data['fund_id']}-{data['month']}.csv", STATEMENT_CSV_TYPE, data["csv"]


def monthly_statement_context(data, officer, web_url):
    """What a monthly statement email (a ``funds.MonthlyStatement``) shows."""
    def balance(side):
        return {phase: format_baht(data[side][f"{phase}_satang"]) for phase in ("posted", "pending")}
    return {
        "language": officer["language"],
        "officer_name": officer["name"],
        "fund_name": data["fund_name_th"],
        "month_th": data["month_th"],
        "month": data["month"],
        "opening": balance("opening"),
        "closing": balance("closing"),
        "entry_count": data["entry_count"],
        "fund_url": fund_url(web_url, data["fund_id"]),
        "statement_url": statement_url(web_url, data["fund_id"], data["month"]),
        "filename": statement_attachment(data)[0],
    }


def render_monthly_statement(data, officer, web_url):
    return render(MONTHLY_STATEMENT, monthly_statement_context(data, officer, web_url))


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def signin_context(expires_at):
    """What a sign-in email shows: its expiry in Asia/Bangkok, Thai (Buddhist era) then English.
    The link itself is never in the context: the templates show ``SECRET_PLACEHOLDER``."""
    local = expires_at.astimezone(THAI_TIME)
    return {"link": SECRET_PLACEHOLDER,
            "expires_th": f"{local:%H:%M} น. {thai_date(local.date())}",
            "expires_en": f"{local:%H:%M} (Bangkok time), {local.day} {MONTHS_EN[local.month - 1]} {local.year}"}


def render_signin(expires_at):
    """(subject, text, HTML) of a sign-in email, Thai first, English after, with the placeholder
    where the link goes (``with_secret`` puts it in)."""
    return render(SIGNIN_LINK, signin_context(expires_at))


def with_secret(body, secret, html=False):
    """``body`` with the secret where its placeholder is (escaped in HTML)."""
    if secret is None:
        return body
    return body.replace(SECRET_PLACEHOLDER, str(escape(secret)) if html else secret)


# Sample data for previews: clearly marked demo values, rendered through the real templates.
_SAMPLE_AT = dt.datetime(2024, 5, 30, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
_SAMPLE_OFFICER = {"name": "สมศรี ใจดี (ตัวอย่าง)", "language": "th", "fund_id": uuid.UUID(int=5)}
_SAMPLE_WEB_URL = "http://localhost:8005"
_SAMPLE_LEVY = {
    "fund_name_th": "กองทุนสวัสดิการชุมชนตำบลตัวอย่าง", "amount_satang": 10000,
    "order_id": uuid.UUID(int=1), "agreement_id": uuid.UUID(int=2), "agreement_version": 1,
    "lines": [{"product_name": "ข้าวหอมมะลิ ถุง 5 กิโลกรัม", "quantity": 25, "unit": "ถุง",
               "levy_satang": 10000}],
    "balance": {"posted_satang": 0, "pending_satang": 10000},
}


def _preview_levy(kind):
    return lambda officer: render_levy(kind, _SAMPLE_LEVY, officer, _SAMPLE_AT, _SAMPLE_WEB_URL)


def _preview_daily_digest(officer):
    items = [digest_item(_SAMPLE_LEVY, _SAMPLE_AT), digest_item(
        {**_SAMPLE_LEVY, "order_id": uuid.UUID(int=3), "amount_satang": 2550}, _SAMPLE_AT),
        digest_item({**_SAMPLE_LEVY, "order_id": uuid.UUID(int=4), "amount_satang": 400}, _SAMPLE_AT,
                    LEVY_POSTED)]
    return render_daily_digest(items, officer, _SAMPLE_AT, _SAMPLE_WEB_URL)


_SAMPLE_STATEMENT = {
    "fund_id": uuid.UUID(int=5), "fund_name_th": _SAMPLE_LEVY["fund_name_th"], "month": "2024-05",
    "month_th": "พฤษภาคม 2567", "opening": {"posted_satang": 50000, "pending_satang": 0},
    "closing": {"posted_satang": 173450, "pending_satang": 10000}, "entry_count": 4, "csv": "",
}


def _preview_monthly_statement(officer):
    return render_monthly_statement(_SAMPLE_STATEMENT, officer, _SAMPLE_WEB_URL)


def _preview_signin(officer):
    subject, text, html = render_signin(_SAMPLE_AT)
    link = "http://localhost:8005/signin/verify?token=SAMPLE-ตัวอย่าง"
    return subject, with_secret(text, link), with_secret(html, link, html=True)


_PREVIEWS = {LEVY_PENDING: _preview_levy(LEVY_PENDING), LEVY_VOIDED: _preview_levy(LEVY_VOIDED),
             LEVY_REVERSED: _preview_levy(LEVY_REVERSED), DAILY_DIGEST: _preview_daily_digest,
             SIGNIN_LINK: _preview_signin, MONTHLY_STATEMENT: _preview_monthly_statement}


def preview(kind, language="th"):
    """(subject, text, HTML) of ``kind`` rendered with sample data."""
    return _PREVIEWS[kind]({**_SAMPLE_OFFICER, "language": language})


def build_message(delivery, sender_address, sender_name):
    """The multipart (text + HTML) message of a queued delivery, with its secret put in where
    the body holds its placeholder, and its attachment if it has one.

    Built with the compat32 MIME classes: the ``email.policy.default`` header refolding cost
    more CPU than everything else the service does per email (see bench/README.md). Headers
    are encoded words from text already made header-safe, so the result is the same mail.
    """
    secret = delivery.get("secret")
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(with_secret(delivery["text_body"], secret), "plain", "utf-8"))
    body.attach(MIMEText(with_secret(delivery["html_body"], secret, html=True), "html", "utf-8"))
    if delivery.get("attachment") is None:
        message = body
    else:
        message = MIMEMultipart("mixed")
        message.attach(body)
        maintype, _, subtype = delivery["attachment_type"].partition(";")[0].strip().partition("/")
        part = MIMEText(delivery["attachment"], subtype, "utf-8") if maintype == "text" else \
            MIMEApplication(delivery["attachment"].encode(), subtype)
        part.add_header("Content-Disposition", "attachment", filename=header_safe(delivery["attachment_name"]))
        message.attach(part)
    message["From"] = formataddr((header_safe(sender_name), checked_address(sender_address)),
                                 charset="utf-8")
    message["To"] = checked_address(delivery["recipient"])
    message["Subject"] = Header(header_safe(delivery["subject"]), "utf-8")
    message["Message-ID"] = delivery["message_id"]
    return message
