"""The README's Python example runs as written (its script, against the package under test)."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_runs() -> None:
    text = README.read_text()
    section = text.split("<!-- readme-example: python -->", 1)[1]
    script = re.search(r"<<'PY'\n(.*?)\nPY\n", section, re.DOTALL)
    assert script, "the README marks its Python example and it writes a <<'PY' script"
    result = subprocess.run([sys.executable, "-c", script.group(1)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("user.login ")
    assert lines[1] == "privacy:anonymized_ip"
