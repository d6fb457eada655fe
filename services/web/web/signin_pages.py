"""The home page, sign-in by emailed link and sign-out."""
from werkzeug.utils import redirect

from web import accounts, forms, pages, sessions, signin
from web.errors import PageError

CSRF_REFUSED = "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่ (the form expired or is not valid: reload the page)"


def home(visit):
    return "home.html", {}


def local_path(target):
    """``target`` if it is a path on this site, else "/": a sign-in never sends anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def checked(form):
    """The form valid; a missing or wrong CSRF token is a 403, other mistakes the form shows again."""
    valid = form.validate()
    if "csrf_token" in form.errors:
        raise PageError(403, CSRF_REFUSED)
    return valid


def signin_form(visit):
    visit.ensure_session()
    form = forms.bind(forms.SigninForm, visit)
    return "signin.html", {"form": form, "next": local_path(visit.request.args.get("next"))}


def request_link(visit):
    session = visit.require_session()
    form = forms.bind(forms.SigninForm, visit)
    if not checked(form):
        return "signin.html", {"form": form, "next": local_path(visit.request.form.get("next")), "status": 400}
    email = signin.normalise_email(form.email.data)
    app = visit.app
    if not app.signin_limits.allow(email, visit.request.remote_addr):
        raise PageError(429, "ขอลิงก์บ่อยเกินไป กรุณารอสักครู่แล้วลองใหม่ (too many sign-in requests: wait a while)")
    registered = accounts.is_registered(app.apis, email, app.settings.staff_emails)
    session.data["after_signin"] = local_path(visit.request.form.get("next"))
    with visit.service.unit_of_work() as uow:
        signin.request_link(uow, email, registered, app.settings.web_public_url, visit.now,
                            app.settings.signin_link_lifetime)
    return "signin_sent.html", {"email": email}


def link_page(visit, secret):
    """The emailed link opens a page with a button: mail scanners that fetch links cannot use it up."""
    visit.ensure_session()
    return "signin_confirm.html", {"form": forms.bind(forms.ConfirmForm, visit), "secret": secret}


def use_link(visit, secret):
    visit.require_session()
    if not checked(forms.bind(forms.ConfirmForm, visit)):
        raise PageError(403, CSRF_REFUSED)
    app = visit.app
    with visit.service.unit_of_work() as uow:
        email = uow.signin_links.usable(signin.digest(secret), visit.now)
    if email is None:
        return _refused_link()
    identity = accounts.open_identity(app.apis, email, app.settings.staff_emails, app.settings.session_lifetime)
    after = local_path(visit.session.data.get("after_signin"))
    try:
        with visit.service.unit_of_work() as uow:
            signin.redeem_link(uow, secret, visit.now)
            uow.sessions.end(visit.session.id_sha256, visit.now)
            visit.session = sessions.start(uow, visit.now, app.settings.session_lifetime, identity)
    except signin.LinkRefused:  # used by another click meanwhile: its tokens are not needed
        accounts.close_identity(app.apis, identity)
        return _refused_link()
    return redirect(after, code=303)


def _refused_link():
    return "signin_refused.html", {"status": 410}


def sign_out(visit):
    session = visit.require_session()
    if not checked(forms.bind(forms.ConfirmForm, visit)):
        raise PageError(403, CSRF_REFUSED)
    with visit.service.unit_of_work() as uow:
        identity = uow.sessions.end(session.id_sha256, visit.now)
    if identity:
        accounts.close_identity(visit.app.apis, identity)
    visit.session = None
    response = redirect("/", code=303)
    pages.clear_session_cookie(response, visit.app.settings)
    return response
