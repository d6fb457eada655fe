"""The marketplace's composition root: its settings, and the App its entrypoints use."""
import datetime as dt
from dataclasses import dataclass

from chassis.app import App, bind_handlers, utc_now
from chassis.settings import PlatformSettings

from marketplace import handlers
from marketplace.adapters import MarketUnitOfWork


@dataclass(frozen=True)
class Settings(PlatformSettings):
    order_ttl_minutes: float = 60             # unpaid orders expire
    order_expiry_sweep_seconds: float = 30    # how often expired orders are looked for
    # payment reconciliation (codi-admin marketplace reconcile-payments, and its timer when > 0)
    payment_reconcile_interval_s: float = 0   # 0: no periodic payment reconciliation
    payment_reconcile_grace_seconds: float = 900  # charges paid this recently wait for their webhook

    @property
    def order_ttl(self):
        return dt.timedelta(minutes=self.order_ttl_minutes)


def bootstrap(config):
    return App(settings=Settings.from_config(config), unit_of_work=MarketUnitOfWork,
               handlers=bind_handlers(handlers.EVENT_HANDLERS), clock=utc_now)
