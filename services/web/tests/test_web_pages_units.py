"""The pieces of the pages that are plain functions: charts, months, forms' CSRF."""
import datetime as dt

from werkzeug.datastructures import MultiDict

from web import charts, forms
from web.officer_pages import recent_months


def test_bars_scale_to_the_largest_value_and_zeros_stay_flat():
    bars = charts.bar_chart([0, 50, 100], label=str, value=int, caption=str)
    assert [bar.height for bar in bars] == [0, (charts.HEIGHT - charts.LABEL_SPACE) / 2,
                                            charts.HEIGHT - charts.LABEL_SPACE]
    assert all(bar.y + bar.height == charts.HEIGHT - charts.LABEL_SPACE for bar in bars)
    assert [bar.height for bar in charts.bar_chart([0, 0], label=str, value=int, caption=str)] == [0, 0]
    assert charts.bar_chart([], label=str, value=int, caption=str) == []


def test_recent_months_are_counted_in_bangkok_time_across_a_year_end():
    just_after_new_year_in_bangkok = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.timezone.utc)
    assert recent_months(just_after_new_year_in_bangkok, 3) == ["2027-01", "2026-12", "2026-11"]


class Visit:
    def __init__(self, method, form=None):
        self.request = type("Request", (), {"method": method, "form": MultiDict(form or {})})()
        self.session = type("Session", (), {"data": {}})()
        self.app = type("App", (), {"secret_key": b"k" * 32})()


def test_a_form_is_valid_only_with_the_token_of_its_own_session():
    shown = Visit("GET")
    token = forms.bind(forms.SigninForm, shown).csrf_token.current_token
    posted = Visit("POST", {"email": "somsri@example.org", "csrf_token": token})
    posted.session = shown.session
    assert forms.bind(forms.SigninForm, posted).validate()
    other_session = Visit("POST", {"email": "somsri@example.org", "csrf_token": token})
    form = forms.bind(forms.SigninForm, other_session)
    assert not form.validate() and "csrf_token" in form.errors
    missing = Visit("POST", {"email": "somsri@example.org"})
    missing.session = shown.session
    assert not forms.bind(forms.SigninForm, missing).validate()
