"""Who an email belongs to, and the identity a session holds for them.

An identity is what the pages act as: the funds the person is an officer of and the organisations
they are a contact of, each with a short-lived token issued for them by the service that owns it,
and, for CODI staff, operator tokens. Plain Python over the APIs passed in.
"""
from web.errors import ApiError

TOKEN_LABEL = "web session"


def lookup(apis, email):
    """(officer records, organisation records) registered under ``email``."""
    officers = apis.funds.as_operator("GET", "/v1/officers", params={"email": email})["officers"]
    organisations = apis.centres.as_operator("GET", "/v1/organisations",
                                             params={"contact_email": email, "limit": 50})["items"]
    return officers, organisations


def is_registered(apis, email, staff_emails):
    officers, organisations = lookup(apis, email)
    return bool(officers or organisations or email in staff_emails)


def open_identity(apis, email, staff_emails, lifetime):
    """The identity of a person who proved they read ``email``, with tokens lasting ``lifetime``."""
    ttl = lifetime.total_seconds()
    officers, organisations = lookup(apis, email)
    identity = {"email": email, "officers": [], "organisations": [], "staff": None}
    for officer in officers:
        fund = apis.centres.call("GET", f"/v1/funds/{officer['fund_id']}", None)
        identity["officers"].append({
            "officer_id": officer["officer_id"], "fund_id": officer["fund_id"], "name": officer["name"],
            "fund_name_th": fund["name_th"],
            "token": apis.funds.delegated_token("officer", officer["officer_id"], ttl, TOKEN_LABEL)})
    for organisation in organisations:
        identity["organisations"].append({
            "org_id": organisation["organisation_id"], "name_th": organisation["name_th"],
            "token": apis.marketplace.delegated_token("organisation", organisation["organisation_id"], ttl,
                                                      TOKEN_LABEL)})
    if email in staff_emails:
        identity["staff"] = {"funds": apis.funds.delegated_token("operator", None, ttl, TOKEN_LABEL)}
    return identity


def tokens_of(identity):
    """(service api name, token) of every token the identity holds: what sign-out revokes."""
    for officer in identity["officers"]:
        yield "funds", officer["token"]
    for organisation in identity["organisations"]:
        yield "marketplace", organisation["token"]
    for service, token in (identity["staff"] or {}).items():
        yield service, token


def close_identity(apis, identity):
    """Revoke the identity's tokens; one the service no longer knows is already gone."""
    for service, token in tokens_of(identity):
        try:
            getattr(apis, service).revoke(token)
        except ApiError:  # it expires with the session anyway: sign-out must finish
            continue


def fund_token(identity, fund_id):
    """The token to read ``fund_id`` with: the officer's of that fund, else staff's; None: not theirs."""
    for officer in identity["officers"]:
        if officer["fund_id"] == str(fund_id):
            return officer["token"]
    return (identity["staff"] or {}).get("funds")


def officer_of(identity, officer_id):
    return next((officer for officer in identity["officers"] if officer["officer_id"] == str(officer_id)), None)
