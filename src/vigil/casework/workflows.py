"""Every workflow, registered on import (``apps.ready``): one module each under ``flows/``."""

from vigil.casework.flows import (  # noqa: F401
    custody,
    intelligence,
    investigation,
    missing,
    offender,
    protection,
    referrals,
)
