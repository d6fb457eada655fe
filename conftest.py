# nameko's pytest plugin no longer monkey-patches: do it first, before anything else loads.
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet announces its deprecation on import
    import eventlet

eventlet.monkey_patch()

pytest_plugins = ["devtools.testing"]
