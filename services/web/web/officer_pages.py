"""Fund officers' pages: balance and levy per month, entries, monthly statements (page, CSV,
printable), their own email and preferences; and CODI staff's roll-ups of the network."""
import re

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from chassis.thai import THAI_TIME, format_baht
from web import accounts, charts, forms
from web.errors import NOT_FOUND, PageError, path_uuid
from web.signin_pages import checked

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NOT_YOURS = "คุณไม่มีสิทธิ์ดูกองทุนนี้ (this is not one of your funds)"
# the funds API's entry kinds and phases, as the filter shows them
ENTRY_KINDS = {"levy_pending": "รับเงินสมทบ (รอยืนยัน) — pending levy",
               "levy_posted": "ยืนยันเงินสมทบ — posted levy",
               "levy_voided": "ยกเลิกเงินสมทบ — voided",
               "levy_reversed": "คืนเงินสมทบ — reversed"}
PHASES = {"pending": "รอยืนยัน (pending)", "posted": "ยืนยันแล้ว (posted)"}
STATEMENT_MONTHS = 12



def _fund_access(visit, fund_id):
    """(fund id, the token to read it with) for a signed-in officer of that fund or staff; else 403."""
    identity = visit.signed_in()
    fund_id = path_uuid(fund_id)
    token = accounts.fund_token(identity, fund_id)
    if token is None:
        raise PageError(403, NOT_YOURS)
    return fund_id, token


def _funds_api(visit):
    return visit.app.apis.funds


def fund(visit, fund_id):
    fund_id, token = _fund_access(visit, fund_id)
    api = _funds_api(visit)
    summary = api.call("GET", f"/v1/funds/{fund_id}", token)
    months = api.call("GET", f"/v1/funds/{fund_id}/levy-by-month", token, params={"months": 12})["months"]
    bars = charts.bar_chart(months, label=lambda month: month["month_th"].split(" ")[0][:3],
                            value=lambda month: month["credited_satang"],
                            caption=lambda month: f"{month['month_th']}: {format_baht(month['credited_satang'])}")
    return "fund.html", {"fund": summary, "months": months, "levy_bars": bars,
                         "officer": _officer_of_fund(visit.identity, fund_id)}


def _officer_of_fund(identity, fund_id):
    return next((officer for officer in identity["officers"] if officer["fund_id"] == str(fund_id)), None)


def entries(visit, fund_id):
    fund_id, token = _fund_access(visit, fund_id)
    args = visit.request.args
    filters = {name: args[name] for name in ("kind", "phase", "cursor") if args.get(name)}
    api = _funds_api(visit)
    summary = api.call("GET", f"/v1/funds/{fund_id}", token)
    page = api.call("GET", f"/v1/funds/{fund_id}/entries", token, params={**filters, "limit": 25})
    return "entries.html", {"fund": summary, "page": page, "filters": filters, "kinds": ENTRY_KINDS,
                            "phases": PHASES}


def recent_months(now, count=STATEMENT_MONTHS):
    """This month and the ones before it, in Asia/Bangkok, newest first, as YYYY-MM."""
    local = now.astimezone(THAI_TIME)
    year, month = local.year, local.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def statements(visit, fund_id):
    fund_id, token = _fund_access(visit, fund_id)
    summary = _funds_api(visit).call("GET", f"/v1/funds/{fund_id}", token)
    return "statements.html", {"fund": summary, "months": recent_months(visit.now)}


def _statement(visit, fund_id, month):
    fund_id, token = _fund_access(visit, fund_id)
    if not MONTH.match(month):
        raise PageError(404, NOT_FOUND)
    return fund_id, token, _funds_api(visit).call("GET", f"/v1/funds/{fund_id}/statements/{month}", token)


def statement(visit, fund_id, month):
    if visit.request.args.get("format") == "csv":
        return statement_csv(visit, fund_id, month)
    fund_id, _, view = _statement(visit, fund_id, month)
    return "statement.html", {"statement": view, "fund_id": fund_id}


def statement_print(visit, fund_id, month):
    fund_id, _, view = _statement(visit, fund_id, month)
    return "statement_print.html", {"statement": view, "fund_id": fund_id, "printed_at": visit.now}


def statement_csv(visit, fund_id, month):
    fund_id, token = _fund_access(visit, fund_id)
    if not MONTH.match(month):
        raise PageError(404, NOT_FOUND)
    answer = _funds_api(visit).call("GET", f"/v1/funds/{fund_id}/statements/{month}", token,
                                    params={"format": "csv"}, raw=True)
    return Response(answer.content, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="statement-{fund_id}-{month}.csv"'})


def preferences(visit, officer_id):
    identity = visit.signed_in()
    officer = accounts.officer_of(identity, path_uuid(officer_id))
    if officer is None:
        raise PageError(403, "แก้ได้เฉพาะข้อมูลของตนเอง (you can change only your own details)")
    api = _funds_api(visit)
    current = api.call("GET", f"/v1/officers/{officer['officer_id']}", officer["token"])
    if visit.request.method == "GET":
        form = forms.bind(forms.PreferencesForm, visit, email=current["email"], **current["preferences"])
        return "preferences.html", {"form": form, "officer": current, "saved": visit.request.args.get("saved")}
    form = forms.bind(forms.PreferencesForm, visit)
    if not checked(form):
        return "preferences.html", {"form": form, "officer": current, "status": 400}
    change = {"email": form.email.data.strip(),
              "preferences": {"per_credit": form.per_credit.data,
                              "daily_digest_at": form.daily_digest_at.data or None,
                              "monthly_statement": form.monthly_statement.data}}
    api.call("PATCH", f"/v1/officers/{officer['officer_id']}", officer["token"], json=change)
    return redirect(f"/officers/{officer['officer_id']}/preferences?saved=1", code=303)


def network(visit):
    identity = visit.signed_in()
    token = (identity["staff"] or {}).get("funds")
    if token is None:
        raise PageError(403, "สำหรับเจ้าหน้าที่ สอช. เท่านั้น (CODI staff only)")
    api = _funds_api(visit)
    regions = api.call("GET", "/v1/rollups", token, params={"by": "region"})["groups"]
    groups = api.call("GET", "/v1/rollups", token, params={"by": "province_group"})["groups"]
    routes = api.call("GET", "/v1/reports/routes", token, params={"by": "province"})["routes"]
    return "network.html", {"regions": regions, "groups": groups, "routes": routes,
                            "region_bars": _held_bars(regions, str), "group_bars": _held_bars(groups, "กลุ่ม {}".format),
                            "as_of": visit.now}


def _held_bars(groups, name):
    return charts.bar_chart(groups, label=lambda group: name(group["key"] if group["key"] is not None else "-")[:10],
                            value=lambda group: group["posted_satang"] + group["pending_satang"],
                            caption=lambda group: f"{name(group['key'])}: {group['posted_th']} / {group['pending_th']}")
