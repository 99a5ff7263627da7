"""Every contract scenario passes `check_scenarios.py` against this build (issue 4's proof)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import CONTRACT, EXAMPLES, VIGIL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not EXAMPLES.exists(), reason="shared contract not present"),
]


def test_contract_examples_pass_check_scenarios() -> None:
    result = subprocess.run(
        [sys.executable, str(CONTRACT / "check_scenarios.py"), str(EXAMPLES)],
        env=dict(os.environ, VIGIL_CMD=str(VIGIL)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
