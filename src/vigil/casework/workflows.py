"""Every workflow, registered on import (``apps.ready``): one module each under ``flows/``."""

from vigil.casework.flows import (
    custody,  # noqa: F401
    intelligence,  # noqa: F401
    referrals,  # noqa: F401
)
