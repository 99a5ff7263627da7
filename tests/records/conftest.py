"""The import status page uses the work pages' fixtures: clients signed in by role, small imports."""

from tests.web.work.conftest import as_role, import_records  # noqa: F401 (fixtures)
