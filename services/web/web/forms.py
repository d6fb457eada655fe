"""The pages' forms (WTForms), every one protected by a CSRF token bound to the session."""
import datetime as dt
import uuid

from wtforms import (BooleanField, DateTimeLocalField, EmailField, Form, HiddenField, IntegerField, SelectField,
                     StringField, TextAreaField, validators)
from wtforms.csrf.session import SessionCSRF

from web import money

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


def fresh(form_class, visit, **values):
    """``form_class`` filled from ``values`` only, even on a POST (another form of the page was sent)."""
    return form_class(None, meta={"csrf_context": visit.session.data, "csrf_secret": visit.app.secret_key},
                      **values)


def csrf_token(visit):
    """A CSRF token for a form the template writes by hand (sign-out in every page's header)."""
    form = ConfirmForm(meta={"csrf_context": visit.session.data, "csrf_secret": visit.app.secret_key})
    return form.csrf_token.current_token


# -- the storefront (web.shop_pages) --------------------------------------------------------
def _uuid_key(form, field):
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise validators.ValidationError("แบบฟอร์มไม่ครบ กรุณาโหลดหน้าใหม่ (the form is incomplete: reload the page)")


def _baht(form, field):
    try:
        field.satang = money.parse_baht(field.data)
    except ValueError as exc:
        raise validators.ValidationError(str(exc)) from None


class OnceForm(PageForm):
    """A form whose POST the API runs once, however often it is sent (a double click)."""
    idempotency_key = HiddenField(validators=[_uuid_key], default=lambda: str(uuid.uuid4()))


class WholeNumberField(IntegerField):
    """An integer box whose refusal is in Thai (WTForms' own is English only)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("ต้องเป็นจำนวนเต็ม เช่น 5 (a whole number)") from None


QUANTITY = [validators.InputRequired(REQUIRED),
            validators.NumberRange(min=1, max=10**6, message="จำนวน 1 ถึง 1,000,000 (1 to 1,000,000)")]


class OrderForm(OnceForm):
    buyer_org_id = SelectField("ซื้อในนามองค์กร (buying as)", validate_choice=True)
    quantity = WholeNumberField("จำนวน (quantity)", QUANTITY, default=1)
    delivery = SelectField("วิธีรับสินค้า (delivery)", validate_choice=True)
    ship_name = StringField("ชื่อผู้รับ (recipient)", [validators.InputRequired(REQUIRED), validators.Length(max=300)])
    address_line = StringField("ที่อยู่ (address)", [validators.InputRequired(REQUIRED), validators.Length(max=500)])
    subdistrict_code = StringField("รหัสตำบล 6 หลัก (subdistrict code)", [
        validators.InputRequired(REQUIRED),
        validators.Regexp(r"^\d{6}$", message="รหัสตำบลเป็นตัวเลข 6 หลัก (six digits)")])
    phone = StringField("โทรศัพท์ (phone)", [validators.Optional(), validators.Length(max=30)])


class ProductForm(PageForm):
    name_th = StringField("ชื่อสินค้า (name)", [validators.InputRequired(REQUIRED), validators.Length(max=300)])
    category = StringField("หมวด (category)", [validators.InputRequired(REQUIRED), validators.Length(max=100)])
    unit = StringField("หน่วย เช่น ถุง กิโลกรัม (unit)", [validators.InputRequired(REQUIRED),
                                                          validators.Length(max=50)])
    price = StringField("ราคาต่อหน่วย บาท เช่น 45.50 (price in baht)", [validators.InputRequired(REQUIRED), _baht])
    stock = WholeNumberField("จำนวนในสต็อก (stock)", [
        validators.InputRequired(REQUIRED),
        validators.NumberRange(min=0, max=10**9, message="สต็อก 0 ถึง 1,000,000,000 (0 to 1 billion)")])
    description = TextAreaField("รายละเอียด (description)", [validators.Optional(), validators.Length(max=5000)])


class TransferForm(OnceForm):
    reference = StringField("เลขอ้างอิงการโอนในบัญชีของผู้ขาย (the transfer's reference)", [
        validators.InputRequired(REQUIRED), validators.Length(max=100)])
    amount = StringField("ยอดที่ได้รับ บาท (amount received, baht)", [validators.InputRequired(REQUIRED), _baht])
    transferred_at = DateTimeLocalField("เวลาโอน (transferred at, Bangkok time)", [validators.InputRequired(REQUIRED)],
                                        format="%Y-%m-%dT%H:%M")
    note = StringField("หมายเหตุ (note)", [validators.Optional(), validators.Length(max=500)])


class ShipmentForm(OnceForm):
    carrier = SelectField("ผู้ขนส่ง (carrier)", choices=[
        ("", "ไม่มี: สินค้ารอให้รับที่จุดรับ (none: ready for pickup)"),
        ("thailand_post", "ไปรษณีย์ไทย (Thailand Post)"), ("kerry", "Kerry Express"), ("flash", "Flash Express"),
        ("jt_express", "J&T Express"), ("scg_express", "SCG Express"), ("ninja_van", "Ninja Van"),
        ("other", "อื่น ๆ (other)")])
    tracking_number = StringField("เลขพัสดุ (tracking number)", [validators.Optional(), validators.Length(max=40)])

    def validate_carrier(self, field):
        if bool(field.data) != bool(self.tracking_number.data):
            raise validators.ValidationError("ระบุผู้ขนส่งพร้อมเลขพัสดุ (a carrier and its tracking number go together)")


class RefundForm(OnceForm):
    line_no = SelectField("รายการ (line)", coerce=int, validate_choice=True)
    quantity = WholeNumberField("จำนวนที่คืนเงิน (quantity refunded)", QUANTITY, default=1)
