"""Every workflow, registered on import (``apps.ready``): one module each under ``flows/``."""

from vigil.casework.flows import (
    intelligence,  # noqa: F401
    missing,  # noqa: F401
    protection,  # noqa: F401
)
