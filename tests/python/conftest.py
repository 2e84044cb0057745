"""Shared set-up: the corpora and packages that `tests/tests/python_models.rs` prepares.

Run through cargo (`cargo test -p eventcat-e2e --test python_models`), which writes the corpora,
asks the validation engine for each line's verdict, and points `EVENTCAT_PY_MANIFEST` at them.
"""

import importlib
import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest


def _manifest() -> List[Dict[str, Any]]:
    path = os.environ.get("EVENTCAT_PY_MANIFEST")
    if not path:
        pytest.fail(
            "EVENTCAT_PY_MANIFEST is not set: run these tests through "
            "`cargo test -p eventcat-e2e --test python_models` (or scripts/test), which prepares "
            "the packages and the corpora with the validation engine's verdicts",
            pytrace=False,
        )
    return list(json.loads(Path(path).read_text()))


@pytest.fixture(scope="session")
def manifest() -> List[Dict[str, Any]]:
    return _manifest()


@pytest.fixture(scope="session")
def events() -> Any:
    """The bundled catalog's package."""
    return importlib.import_module("auterity_events")
