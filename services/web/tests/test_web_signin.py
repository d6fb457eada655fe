"""Sign-in links, sessions and identities: plain Python, with in-memory repositories."""
import datetime as dt
import uuid

import pytest

from contracts.web import SIGNIN_LINK_REQUESTED
from web import accounts, sessions, signin
from web.errors import ApiError
from web.signin_pages import local_path

NOW = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.timezone.utc)
LIFETIME = dt.timedelta(minutes=15)


class Links:
    def __init__(self):
        self.rows = {}

    def add(self, secret_sha256, email, now, expires_at):
        self.rows[secret_sha256] = {"email": email, "expires_at": expires_at, "used_at": None}

    def use(self, secret_sha256, now):
        row = self.rows.get(secret_sha256)
        if row is None or row["used_at"] is not None or row["expires_at"] <= now:
            return None
        row["used_at"] = now
        return row["email"]


class Sessions:
    def __init__(self):
        self.rows = {}

    def create(self, id_sha256, data, identity, expires_at):
        self.rows[id_sha256] = {"data": dict(data), "identity": identity, "expires_at": expires_at, "ended": False}

    def find(self, id_sha256, now):
        row = self.rows.get(id_sha256)
        return None if row is None or row["ended"] or row["expires_at"] <= now else row

    def save_data(self, id_sha256, data):
        self.rows[id_sha256]["data"] = dict(data)


class FakeUow:
    def __init__(self):
        self.signin_links, self.sessions, self.events = Links(), Sessions(), []

    def emit(self, event_type, data):
        self.events.append((event_type, data))


def sent_secret(uow):
    (event_type, data), = uow.events
    assert event_type is SIGNIN_LINK_REQUESTED
    return data["link"].rsplit("/", 1)[1]


def test_a_registered_email_gets_a_link_that_works_once():
    uow = FakeUow()
    signin.request_link(uow, "somsri@example.org", True, "http://localhost:8005/", NOW, LIFETIME)
    (_, data), = uow.events
    assert data["link"].startswith("http://localhost:8005/signin/")
    assert data["expires_at"] == NOW + LIFETIME
    secret = sent_secret(uow)
    assert signin.digest(secret) in uow.signin_links.rows and secret not in str(uow.signin_links.rows)
    assert signin.redeem_link(uow, secret, NOW + dt.timedelta(minutes=1)) == "somsri@example.org"
    with pytest.raises(signin.LinkRefused):
        signin.redeem_link(uow, secret, NOW + dt.timedelta(minutes=2))


def test_an_unknown_email_gets_nothing_and_nothing_is_stored():
    uow = FakeUow()
    signin.request_link(uow, "nobody@example.org", False, "http://localhost:8005", NOW, LIFETIME)
    assert uow.events == [] and uow.signin_links.rows == {}


def test_an_expired_link_and_a_made_up_one_are_refused():
    uow = FakeUow()
    signin.request_link(uow, "somsri@example.org", True, "http://localhost:8005", NOW, LIFETIME)
    secret = sent_secret(uow)
    with pytest.raises(signin.LinkRefused):
        signin.redeem_link(uow, secret, NOW + LIFETIME)
    for forged in ("", "x" * 43, secret[:-1]):
        with pytest.raises(signin.LinkRefused):
            signin.redeem_link(uow, forged, NOW)


def test_two_links_are_never_the_same():
    uow = FakeUow()
    for _ in range(2):
        signin.request_link(uow, "somsri@example.org", True, "http://localhost:8005", NOW, LIFETIME)
    assert len({data["link"] for _, data in uow.events}) == 2


def test_emails_are_compared_without_case_or_spaces():
    assert signin.normalise_email("  Somsri@Example.ORG ") == "somsri@example.org"


def test_a_session_is_found_by_its_cookie_only_while_it_lives():
    uow = FakeUow()
    started = sessions.start(uow, NOW, dt.timedelta(hours=8), identity={"email": "a@example.org"})
    assert started.new_secret and started.id_sha256 == signin.digest(started.new_secret)
    found = sessions.load(uow, started.new_secret, NOW + dt.timedelta(hours=1))
    assert found.identity == {"email": "a@example.org"} and found.new_secret is None
    assert sessions.load(uow, started.new_secret, NOW + dt.timedelta(hours=8)) is None
    assert sessions.load(uow, "forged-cookie", NOW) is None
    assert sessions.load(uow, None, NOW) is None


def test_a_session_saves_its_data_only_when_it_changed():
    uow = FakeUow()
    session = sessions.start(uow, NOW, dt.timedelta(hours=8))
    assert not session.changed
    session.data["csrf"] = "secret"
    assert session.changed
    sessions.save(uow, session)
    assert uow.sessions.rows[session.id_sha256]["data"] == {"csrf": "secret"} and not session.changed


@pytest.mark.parametrize("target, expected", [
    ("/funds/1", "/funds/1"), ("/", "/"), (None, "/"), ("", "/"), ("https://evil.example/", "/"),
    ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("funds", "/")])
def test_after_sign_in_a_person_goes_only_to_a_page_of_this_site(target, expected):
    assert local_path(target) == expected


class FakeApi:
    def __init__(self, name, answers=None):
        self.name, self.answers, self.issued, self.revoked = name, answers or {}, [], []

    def as_operator(self, method, path, params=None, **kwargs):
        return self.answers[path]

    def call(self, method, path, token, **kwargs):
        return self.answers[path]

    def delegated_token(self, kind, subject_id, ttl_seconds, label):
        token = f"{self.name}-{kind}-{subject_id}"
        self.issued.append((kind, subject_id, ttl_seconds))
        return token

    def revoke(self, token):
        if token.endswith("gone"):
            raise ApiError(401, "revoked")
        self.revoked.append(token)


class FakeApis:
    def __init__(self, officers=(), organisations=(), funds_named=None):
        self.funds = FakeApi("funds", {"/v1/officers": {"officers": list(officers)}})
        self.centres = FakeApi("centres", {"/v1/organisations": {"items": list(organisations)},
                                           **{f"/v1/funds/{fund_id}": {"name_th": name}
                                              for fund_id, name in (funds_named or {}).items()}})
        self.marketplace = FakeApi("marketplace")


FUND, OTHER_FUND, OFFICER, ORG = (str(uuid.uuid4()) for _ in range(4))


def officer_apis():
    return FakeApis(officers=[{"officer_id": OFFICER, "fund_id": FUND, "name": "สมศรี"}],
                    organisations=[{"organisation_id": ORG, "name_th": "วิสาหกิจชุมชนข้าวหอมมะลิ"}],
                    funds_named={FUND: "กองทุนสวัสดิการชุมชนตำบลกะรน"})


def test_an_identity_holds_a_token_per_fund_and_organisation_lasting_the_session():
    apis = officer_apis()
    identity = accounts.open_identity(apis, "somsri@example.org", frozenset(), dt.timedelta(hours=8))
    assert identity["officers"] == [{"officer_id": OFFICER, "fund_id": FUND, "name": "สมศรี",
                                     "fund_name_th": "กองทุนสวัสดิการชุมชนตำบลกะรน",
                                     "token": f"funds-officer-{OFFICER}"}]
    assert identity["organisations"][0]["token"] == f"marketplace-organisation-{ORG}"
    assert identity["staff"] is None
    assert apis.funds.issued == [("officer", OFFICER, 8 * 3600)]


def test_an_officer_reads_only_their_own_funds_and_staff_read_all():
    apis = officer_apis()
    identity = accounts.open_identity(apis, "somsri@example.org", frozenset(), dt.timedelta(hours=8))
    assert accounts.fund_token(identity, uuid.UUID(FUND)) == f"funds-officer-{OFFICER}"
    assert accounts.fund_token(identity, uuid.UUID(OTHER_FUND)) is None
    staff = accounts.open_identity(FakeApis(), "staff@codi.or.th", frozenset({"staff@codi.or.th"}),
                                   dt.timedelta(hours=8))
    assert accounts.fund_token(staff, uuid.UUID(OTHER_FUND)) == "funds-operator-None"


def test_registered_means_an_officer_a_contact_or_staff():
    assert accounts.is_registered(officer_apis(), "somsri@example.org", frozenset())
    assert not accounts.is_registered(FakeApis(), "nobody@example.org", frozenset())
    assert accounts.is_registered(FakeApis(), "staff@codi.or.th", frozenset({"staff@codi.or.th"}))


def test_signing_out_revokes_every_token_even_when_one_is_already_gone():
    apis = officer_apis()
    identity = accounts.open_identity(apis, "somsri@example.org", frozenset(), dt.timedelta(hours=8))
    identity["organisations"].append({"org_id": "x", "name_th": "x", "token": "marketplace-gone"})
    accounts.close_identity(apis, identity)
    assert apis.funds.revoked == [f"funds-officer-{OFFICER}"]
    assert apis.marketplace.revoked == [f"marketplace-organisation-{ORG}"]
