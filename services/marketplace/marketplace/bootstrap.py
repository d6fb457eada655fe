"""The marketplace's composition root: its settings, and the App its entrypoints use."""
import datetime as dt
from dataclasses import dataclass

from chassis.app import App, bind_handlers, utc_now
from chassis.settings import PlatformSettings

from marketplace import handlers
from marketplace.adapters import MarketUnitOfWork, payment_provider


@dataclass(frozen=True)
class Settings(PlatformSettings):
    payment_ttl_minutes: float = 1440         # a payment request (and its unpaid order) expires: a day suits bank transfers
    order_ttl_minutes: float | None = None    # an earlier name of the same, still honoured when set
    order_expiry_sweep_seconds: float = 30    # how often expired orders are looked for
    refund_retry_seconds: float = 30          # refunds asked of the provider and not confirmed: asked again
    # payment reconciliation (codi-admin marketplace reconcile-payments, and its timer when > 0)
    payment_reconcile_interval_s: float = 0   # 0: no periodic payment reconciliation
    payment_reconcile_grace_seconds: float = 900  # charges paid this recently wait for their webhook
    # receipt confirmed by the platform when the buyer neither confirms nor disputes in time
    receipt_auto_confirm_days: float = 7
    receipt_auto_confirm_sweep_seconds: float = 300  # how often such orders are looked for; 0: never

    @property
    def order_ttl(self):
        minutes = self.order_ttl_minutes if self.order_ttl_minutes is not None else self.payment_ttl_minutes
        return dt.timedelta(minutes=minutes)

    @property
    def receipt_auto_confirm_after(self):
        return dt.timedelta(days=self.receipt_auto_confirm_days)

    @property
    def refund_retry(self):
        return dt.timedelta(seconds=self.refund_retry_seconds)


@dataclass(frozen=True)
class MarketApp(App):
    payments: object = None  # the PaymentProvider (marketplace.payments), built from the environment


def bootstrap(config, environ=None):
    return MarketApp(settings=Settings.from_config(config), unit_of_work=MarketUnitOfWork,
                     handlers=bind_handlers(handlers.EVENT_HANDLERS), clock=utc_now,
                     payments=payment_provider(environ))
