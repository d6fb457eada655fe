"""The centres registry's composition root: its settings (the chassis's only), and the App its
entrypoints use."""
from dataclasses import dataclass

from chassis.app import App, bind_handlers, utc_now
from chassis.settings import PlatformSettings

from centres import handlers
from centres.adapters import RegistryUnitOfWork


@dataclass(frozen=True)
class Settings(PlatformSettings):
    """The registry has no settings of its own (CENTRES_BANGKOK_REGION is data: chassis.geography)."""


def bootstrap(config):
    return App(settings=Settings.from_config(config), unit_of_work=RegistryUnitOfWork,
               handlers=bind_handlers(handlers.EVENT_HANDLERS), clock=utc_now)
