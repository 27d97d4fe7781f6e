"""How many generated inputs the fuzz tests tried, summed over xdist workers.

The tests call ``record(endpoint, inputs, seconds)``. Under pytest-xdist each worker hands
its sums back through ``workeroutput`` when it finishes, and the controller adds them up;
without xdist the one process already holds them. ``pytest_terminal_summary`` prints the
total, so a run shows how much fuzzing it did, not only that it passed.
"""

from __future__ import annotations

from typing import Any

import pytest

_inputs: dict[str, int] = {}
_seconds: dict[str, float] = {}
_answers: dict[str, int] = {}


def record(endpoint: str, inputs: int, seconds: float, answers: dict[str, int]) -> None:
    """Add one test's figures; ``answers`` counts the answers by class ("2xx", "4xx"…)."""
    _inputs[endpoint] = _inputs.get(endpoint, 0) + inputs
    _seconds[endpoint] = _seconds.get(endpoint, 0.0) + seconds
    for kind, count in answers.items():
        _answers[kind] = _answers.get(kind, 0) + count


class FuzzTally:
    """Registered by ``tests/conftest.py`` in every process of a run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.remote_inputs: dict[str, int] = {}
        self.remote_seconds: dict[str, float] = {}
        self.remote_answers: dict[str, int] = {}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand the figures to the controller
            workeroutput["fuzz_inputs"] = dict(_inputs)
            workeroutput["fuzz_seconds"] = dict(_seconds)
            workeroutput["fuzz_answers"] = dict(_answers)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        for endpoint, count in output.get("fuzz_inputs", {}).items():
            self.remote_inputs[endpoint] = self.remote_inputs.get(endpoint, 0) + count
        for endpoint, seconds in output.get("fuzz_seconds", {}).items():
            self.remote_seconds[endpoint] = self.remote_seconds.get(endpoint, 0.0) + seconds
        for kind, count in output.get("fuzz_answers", {}).items():
            self.remote_answers[kind] = self.remote_answers.get(kind, 0) + count

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        inputs = dict(self.remote_inputs)
        for endpoint, count in _inputs.items():
            inputs[endpoint] = inputs.get(endpoint, 0) + count
        if not inputs:
            return
        seconds = sum(self.remote_seconds.values()) + sum(_seconds.values())
        answers = dict(self.remote_answers)
        for kind, count in _answers.items():
            answers[kind] = answers.get(kind, 0) + count
        terminalreporter.write_sep("-", "fuzz")
        terminalreporter.write_line(
            f"{sum(inputs.values())} generated inputs tried against {len(inputs)} endpoints "
            f"({seconds:.1f} s of test time, summed over workers and databases)"
        )
        terminalreporter.write_line(
            "answers: " + ", ".join(f"{kind} {answers[kind]}" for kind in sorted(answers))
        )
