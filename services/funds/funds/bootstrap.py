"""The funds service's composition root: its settings, and the App its entrypoints and the
reconciliation use."""
import datetime as dt
from dataclasses import dataclass

from chassis.app import App, bind_handlers, utc_now
from chassis.settings import PlatformSettings

from funds import adapters, handlers


@dataclass(frozen=True)
class Settings(PlatformSettings):
    # reconciliation (codi-admin funds reconcile, and the timer when reconcile_interval_s > 0)
    marketplace_url: str = "http://127.0.0.1:8001"
    marketplace_operator_token: str | None = None
    reconcile_interval_s: float = 0           # 0: no periodic reconciliation
    reconcile_window_hours: float = 48        # the timer checks this many hours of payments
    reconcile_grace_seconds: float = 300      # leaving out the latest (events still on their way)
    reconcile_repair: bool = False            # the timer replays what drifts
    # monthly statements (funds.issuing): how often the timer looks for the last closed month's
    statement_issue_interval_s: float = 300   # 0: only codi-admin funds issue-statements issues them

    @property
    def reconcile_window(self):
        return dt.timedelta(hours=self.reconcile_window_hours)

    @property
    def reconcile_grace(self):
        return dt.timedelta(seconds=self.reconcile_grace_seconds)


def bootstrap(config):
    return App(settings=Settings.from_config(config), unit_of_work=adapters.FundsUnitOfWork,
               handlers=bind_handlers(handlers.EVENT_HANDLERS, {"count_credit": adapters.count_credit}),
               clock=utc_now)
