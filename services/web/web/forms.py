"""The pages' forms (WTForms), every one protected by a CSRF token bound to the session."""
import datetime as dt

from wtforms import BooleanField, EmailField, Form, StringField, validators
from wtforms.csrf.session import SessionCSRF

REQUIRED = "ต้องกรอกช่องนี้ (required)"


class PageForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = dt.timedelta(hours=8)
        locales = ("th_TH", "en_US")


class SigninForm(PageForm):
    email = EmailField("อีเมล (email)", [validators.InputRequired(REQUIRED),
                                         validators.Email("อีเมลไม่ถูกต้อง (not an email address)"),
                                         validators.Length(max=254)])


class ConfirmForm(PageForm):
    """A button: sign in, sign out, confirm receipt."""


class PreferencesForm(PageForm):
    email = EmailField("อีเมล (email)", [validators.InputRequired(REQUIRED),
                                         validators.Email("อีเมลไม่ถูกต้อง (not an email address)"),
                                         validators.Length(max=254)])
    per_credit = BooleanField("อีเมลทุกครั้งที่มีเงินสมทบ (an email per credit)")
    daily_digest_at = StringField("สรุปรายวันเวลา (daily digest at, HH:MM; ว่าง: ไม่ต้องการ)", [
        validators.Optional(),
        validators.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="เวลาเป็น HH:MM เช่น 18:00 (time as HH:MM)")])
    monthly_statement = BooleanField("รายงานประจำเดือนทางอีเมล (the monthly statement by email)")


def bind(form_class, visit, obj=None, **values):
    """``form_class`` filled from the request (a POST) or from ``values``, its CSRF token kept in the
    visit's session."""
    formdata = visit.request.form if visit.request.method == "POST" else None
    return form_class(formdata, obj=obj, meta={"csrf_context": visit.session.data,
                                               "csrf_secret": visit.app.secret_key}, **values)


def csrf_token(visit):
    """A CSRF token for a form the template writes by hand (sign-out in every page's header)."""
    form = ConfirmForm(meta={"csrf_context": visit.session.data, "csrf_secret": visit.app.secret_key})
    return form.csrf_token.current_token
