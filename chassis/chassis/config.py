"""Service configuration: YAML with ``${ENV_VAR:default}`` substitution.

nameko's own ``nameko run --config`` understands the same syntax; this loader serves
the command-line tools and tests that read a service's config.yaml without nameko.
"""
import os
import re

import yaml

_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


def substitute_env(text, environ=None):
    environ = os.environ if environ is None else environ

    def replace(match):
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is None:
            raise KeyError(f"environment variable {name} is not set and has no default")
        return default

    return _ENV_VAR.sub(replace, text)


def load_config(path, environ=None):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(substitute_env(handle.read(), environ))
