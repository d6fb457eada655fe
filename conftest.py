# nameko's pytest plugin no longer monkey-patches: do it first, before anything else loads.
import warnings

warnings.filterwarnings("ignore", category=Warning, module="eventlet")
warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")

import eventlet  # noqa: E402

eventlet.monkey_patch()

pytest_plugins = ["devtools.testing"]
