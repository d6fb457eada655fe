"""The pages' templates (Jinja2, autoescaped) and the filters people read: baht, Buddhist-era dates."""
import datetime as dt

from jinja2 import Environment, PackageLoader, select_autoescape

from chassis.thai import format_baht, thai_date, thai_datetime, thai_month

from web import forms


def _parsed(value):
    """The APIs send times as ISO 8601 strings."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _when(value):
    return thai_datetime(_parsed(value)) if value else ""


def _day(value):
    return thai_date(_parsed(value)) if value else ""


def _month(yyyy_mm):
    year, month = yyyy_mm.split("-")
    return thai_month(int(year), int(month))


class Views:
    def __init__(self, public_url):
        self.environment = Environment(loader=PackageLoader("web", "templates"),
                                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                                       lstrip_blocks=True)
        self.environment.filters.update(baht=format_baht, when=_when, day=_day, month_th=_month)
        self.environment.globals.update(public_url=public_url.rstrip("/"), signout_token=forms.csrf_token)

    def render(self, template, **context):
        return self.environment.get_template(template).render(**context)
