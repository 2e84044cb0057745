"""The models accept exactly the payloads the validation engine (eventcat-validate) accepts."""

import importlib
from pathlib import Path
from typing import Any, Dict, List

import pydantic

MIN_SAMPLED = 50_000


def _disagreements(package: Any, entry: Dict[str, Any]) -> List[str]:
    lines = Path(entry["corpus"]).read_bytes().split(b"\n")[:-1]
    verdicts = Path(entry["verdicts"]).read_text()
    assert len(lines) == len(verdicts), "one verdict per line"
    found = []
    for number, (line, verdict) in enumerate(zip(lines, verdicts), start=1):
        try:
            package.parse_event(line)
            accepted = True
            problem = ""
        except pydantic.ValidationError as error:
            accepted = False
            problem = str(error.errors()[0])[:300]
        if accepted != (verdict == "1"):
            engine = "valid" if verdict == "1" else "invalid"
            found.append(f"{entry['name']}:{number}: engine says {engine}, models say {'valid' if accepted else 'invalid'} {problem}\n    {line[:400]!r}")
    return found


def test_corpora_are_big_and_mixed(manifest: List[Dict[str, Any]]) -> None:
    bundled = next(e for e in manifest if e["catalog"] == "auterity")
    samples = next(c for c in bundled["corpora"] if c["name"].endswith("-samples"))
    assert samples["valid"] + samples["invalid"] >= MIN_SAMPLED
    for entry in manifest:
        for corpus in entry["corpora"]:
            assert corpus["valid"] > 100 and corpus["invalid"] > 100, corpus


def test_parse_event_agrees_with_the_engine_on_every_line(manifest: List[Dict[str, Any]]) -> None:
    found: List[str] = []
    checked = 0
    for entry in manifest:
        package = importlib.import_module(entry["package"])
        for corpus in entry["corpora"]:
            found.extend(_disagreements(package, corpus))
            checked += corpus["valid"] + corpus["invalid"]
    assert not found, f"{len(found)} disagreements of {checked} lines:\n" + "\n".join(found[:40])


def test_text_bytes_and_dict_agree(manifest: List[Dict[str, Any]]) -> None:
    """`str`, `bytes` and an already parsed `dict` give the same verdict and the same model."""
    import json

    entry = next(e for e in manifest if e["catalog"] == "auterity")
    package = importlib.import_module(entry["package"])
    corpus = next(c for c in entry["corpora"] if c["name"].endswith("-samples"))
    lines = Path(corpus["corpus"]).read_bytes().split(b"\n")[:2000]
    compared = 0
    for line in lines:
        try:
            from_bytes = package.parse_event(line)
        except pydantic.ValidationError:
            continue
        assert package.parse_event(line.decode("utf-8")) == from_bytes
        assert package.parse_event(json.loads(line)) == from_bytes
        compared += 1
    assert compared > 500
