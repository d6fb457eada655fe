"""Composing officers' emails: Thai first, amounts to the satang, Buddhist-era dates.

Pure domain logic (templates are files, rendered with Jinja2). No user-supplied text
reaches a header unchecked: CR, LF, other control characters and encoded-word openers
(``=?``, the CVE-2024-6923 class) are removed from anything placed in a header.
"""
import hashlib
import re
from email.message import EmailMessage
from email.utils import formataddr

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from chassis.thai import baht_in_words, format_baht, thai_date

_templates = Environment(
    loader=PackageLoader("notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a missing field is an error, never a blank in an email
    keep_trailing_newline=True,
)

_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f]|=\?")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


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
    """The same event and officer always give the same Message-ID, so a resend collapses."""
    digest = hashlib.sha256(f"{event_id}:{officer_id}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def render_levy_pending(data, officer, occurred_at):
    """(subject, text body, HTML body) of the email telling an officer about a pending levy."""
    context = {
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
    }
    subject = header_safe(_templates.get_template("levy_pending.subject.txt").render(context))
    context["subject"] = subject
    text = _templates.get_template("levy_pending.txt").render(context)
    html = _templates.get_template("levy_pending.html").render(context)
    return subject, text, html


def build_message(delivery, sender_address, sender_name):
    message = EmailMessage()
    message["From"] = formataddr((header_safe(sender_name), checked_address(sender_address)))
    message["To"] = checked_address(delivery["recipient"])
    message["Subject"] = header_safe(delivery["subject"])
    message["Message-ID"] = delivery["message_id"]
    message.set_content(delivery["text_body"], charset="utf-8")
    message.add_alternative(delivery["html_body"], subtype="html", charset="utf-8")
    return message
