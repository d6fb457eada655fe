"""The page entrypoint: every page gets its visit (request, session, who is signed in), and every
answer leaves with the same safety: a session cookie that is HttpOnly, Secure and SameSite, no
caching of what a person sees, no Referer (a sign-in link must not leak), no framing.

A page returns ``(template, context)``, a werkzeug Response or raises PageError/ApiError, shown as
a Thai error page with its status; a refusal never becomes a 500.
"""
import functools
import logging
from urllib.parse import quote

from nameko.web.handlers import http as nameko_http
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from chassis.errors import TransientError
from web import sessions
from web.errors import ApiError, PageError

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Redirect(Exception):
    def __init__(self, location):
        super().__init__(location)
        self.location = location


class Visit:
    """One request to a page, as the page sees it."""

    def __init__(self, service, request, session, now):
        self.service = service
        self.app = service.app
        self.request = request
        self.session = session
        self.now = now

    @property
    def identity(self):
        return self.session.identity if self.session else None

    def signed_in(self):
        """The identity, or off to the sign-in page (and back here after it)."""
        if self.identity is None:
            raise Redirect(f"/signin?next={quote(self.request.full_path.rstrip('?'), safe='')}")
        return self.identity

    def ensure_session(self):
        """A session for this visitor (forms need one for their CSRF token)."""
        if self.session is None:
            with self.service.unit_of_work() as uow:
                self.session = sessions.start(uow, self.now, self.app.settings.session_lifetime)
        return self.session

    def require_session(self):
        if self.session is None:
            raise PageError(403, "หมดเวลาของหน้านี้ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง "
                                 "(no session: reload the page and try again)")
        return self.session


def page(method, url):
    """A nameko HTTP entrypoint serving one page."""
    def decorate(fn):
        @nameko_http(method, url)
        @functools.wraps(fn)
        def entrypoint(self, request, **path):
            return serve(self, request, fn, path)
        return entrypoint
    return decorate


def serve(service, request, fn, path):
    app = service.app
    visit = None
    try:
        now = app.clock()
        with service.unit_of_work() as uow:
            session = sessions.load(uow, request.cookies.get(sessions.COOKIE), now)
        visit = Visit(service, request, session, now)
        response = _respond(app, visit, fn(visit, **path))
    except Redirect as moved:
        response = redirect(moved.location, code=303)
    except ApiError as refused:
        if refused.status == 401 and visit is not None and visit.identity is not None:
            # the person's token ended before the session did (revoked, or the service forgot it)
            response = redirect(f"/signin?next={quote(request.full_path.rstrip('?'), safe='')}", code=303)
        else:
            response = _error_page(app, refused.status, refused.message, visit)
    except TransientError as exc:
        log.warning("page %s: %s", request.path, exc)
        response = _error_page(app, 503, "ระบบขัดข้องชั่วคราว ลองใหม่อีกครั้ง (temporarily unavailable)", visit)
    if visit is not None and visit.session is not None:
        _keep_session(service, visit, response)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _respond(app, visit, result):
    if isinstance(result, Response):
        return result
    template, context = result
    status = context.pop("status", 200)
    return Response(app.views.render(template, visit=visit, identity=visit.identity, **context),
                    status=status, content_type=HTML)


def _error_page(app, status, message, visit):
    return Response(app.views.render("error.html", status=status, message=message, visit=visit,
                                     identity=visit.identity if visit else None),
                    status=status, content_type=HTML)


def _keep_session(service, visit, response):
    session = visit.session
    if session.changed:
        with service.unit_of_work() as uow:
            sessions.save(uow, session)
    if session.new_secret:
        set_session_cookie(response, session.new_secret, service.app.settings)


def set_session_cookie(response, secret, settings):
    response.set_cookie(sessions.COOKIE, secret, max_age=int(settings.session_lifetime.total_seconds()),
                        path="/", secure=settings.web_cookie_secure, httponly=True, samesite="Lax")


def clear_session_cookie(response, settings):
    response.delete_cookie(sessions.COOKIE, path="/", secure=settings.web_cookie_secure, httponly=True,
                           samesite="Lax")
