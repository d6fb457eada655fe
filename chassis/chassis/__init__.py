"""Plumbing shared by every service: one copy, used by all four."""
import warnings

# eventlet (nameko's dependency, bugfix-only upstream) prints a deprecation banner when first imported.
# Every process of the project imports chassis before eventlet, except `nameko run`, which imports it
# itself first: NAMEKO_RUN in chassis.cli carries the same filter on its command line.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
