# Home Assistant 2026.9+ replaces voluptuous with probatio at runtime
# (probatio.compat.install_as_voluptuous); this stub lets mypy see the same on that leg.
from probatio import *  # noqa: F403
