"""Every workflow, registered on import (``apps.ready``): one module each under ``flows/``."""

from vigil.casework.flows import (
    intelligence,  # noqa: F401
    marac,  # noqa: F401
    strategy,  # noqa: F401
)
