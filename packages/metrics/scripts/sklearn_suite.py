"""Records scikit-learn's own metric tests as fixtures for @art/metrics.

Runs scikit-learn's `sklearn/metrics/tests/test_classification.py` and the
`test_top_k_accuracy_score*` tests of `test_ranking.py` (the copies Debian's python3-sklearn ships)
under pytest, with every public metric function those tests import wrapped by a recorder. Each
call a test makes is written down with its inputs and scikit-learn's outcome (value, or error
type and message) and the warnings it raised, grouped by upstream test name and parameter id.
`test/sklearn-suite.test.ts` replays the calls against @art/metrics.

Usage (from packages/metrics, with Debian's interpreter):

    /usr/bin/python3 scripts/sklearn_suite.py [--tests-dir DIR] [--out test/fixtures/sklearn-suite.json]

Needs python3-sklearn 1.2.1 (the version the fixture names) and python3-pytest.
"""

import argparse
import hashlib
import inspect
import json
import math
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import sklearn
import sklearn.metrics
import sklearn.metrics._classification

# Metric functions the upstream tests call. Every one is recorded; the replay decides which
# @art/metrics function (if any) answers it.
RECORDED = [
    "accuracy_score",
    "average_precision_score",
    "balanced_accuracy_score",
    "brier_score_loss",
    "class_likelihood_ratios",
    "classification_report",
    "cohen_kappa_score",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "hamming_loss",
    "hinge_loss",
    "jaccard_score",
    "log_loss",
    "matthews_corrcoef",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "top_k_accuracy_score",
    "zero_one_loss",
]
# Functions whose arguments are not stored: @art/metrics has no counterpart, so only the fact
# that a test calls them matters (and some take large inputs).
NAME_ONLY = {
    "_check_targets",
}

SOURCES = [
    ("test_classification.py", None),
    ("test_ranking.py", "test_top_k_accuracy_score"),
]


class Recorder:
    def __init__(self):
        self.current = None  # (test name, parameter id)
        self.calls = {}  # (name, id) -> list of calls
        self.arrays = {}  # digest -> encoded array (shared between calls)
        self.depth = 0  # > 0 inside a recorded call: scikit-learn's own nested calls are not the test's

    def encode(self, value):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (np.bool_,)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            if math.isnan(value):
                return {"$float": "nan"}
            if math.isinf(value):
                return {"$float": "inf" if value > 0 else "-inf"}
            return value
        if isinstance(value, np.str_):
            return str(value)
        if isinstance(value, np.ndarray):
            return self.encode_array(value)
        if scipy.sparse.issparse(value):
            return {"$unsupported": "scipy.sparse matrix"}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(item) for item in value]}
        if isinstance(value, (list, range)):
            return [self.encode(item) for item in value]
        if isinstance(value, dict):
            return {"$dict": [[self.encode(key), self.encode(item)] for key, item in value.items()]}
        return {"$unsupported": type(value).__name__}

    def encode_array(self, array):
        if array.dtype.kind not in "biufUO":
            return {"$unsupported": f"ndarray of dtype {array.dtype}"}
        if array.dtype.kind == "b" and array.ndim == 1:
            # Long boolean vectors as a string of 0/1 digits: a fifth of the JSON size.
            items = {"$bits": "".join("1" if item else "0" for item in array.tolist())}
        elif array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
            # Whole-valued floats as integers ("1" rather than "1.0"); the replay reads numbers either way.
            items = array.astype(np.int64).tolist()
        else:
            items = self.encode(array.tolist())
        entry = {"$nd": items, "dtype": array.dtype.kind, "type": array.dtype.name, "shape": list(array.shape)}
        # Large arrays are stored once and referenced, since tests reuse them across calls.
        if array.size < 64:
            return entry
        digest = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:12]
        self.arrays[digest] = entry
        return {"$ref": digest}

    def wrap(self, name, function):
        recorder = self

        def recorded(*args, **kwargs):
            if recorder.depth > 0:
                return function(*args, **kwargs)
            call = {"fn": name}
            if name not in NAME_ONLY:
                # Positional arguments by their parameter names, so the replay reads one form.
                bound = inspect.signature(function).bind(*args, **kwargs)
                call["kwargs"] = {key: recorder.encode(item) for key, item in bound.arguments.items()}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                recorder.depth += 1
                try:
                    result = function(*args, **kwargs)
                except Exception as error:
                    call["error"] = {"type": type(error).__name__, "message": str(error)}
                    result = error
                finally:
                    recorder.depth -= 1
            call["warnings"] = [{"category": item.category.__name__, "message": str(item.message)} for item in caught]
            if "error" not in call and name not in NAME_ONLY:
                call["result"] = recorder.encode(result)
            if recorder.current is not None:
                recorder.calls.setdefault(recorder.current, []).append(call)
            # Hand the warnings on, so the upstream test's own pytest.warns checks still see them.
            for item in caught:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
            if isinstance(result, Exception):
                raise result
            return result

        recorded.__wrapped__ = function
        return recorded

    # pytest hooks
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        name = item.originalname or item.name
        parameter_id = item.callspec.id if hasattr(item, "callspec") else ""
        self.current = (name, parameter_id)
        self.calls.setdefault(self.current, [])
        yield
        self.current = None

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.outcomes[report.nodeid] = report.outcome

    outcomes = {}


def average_precision_cases(seed=3, count=16):
    """Random binary (ties, zero weights) and multilabel cases of average_precision_score.

    The upstream classification tests check average precision only on three tiny inputs; these
    cases cover ties, sample weights and every multilabel average.
    """
    rng = np.random.RandomState(seed)
    cases = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index in range(count):
            n_samples = rng.randint(2, 20)
            weights = None
            if index % 2 == 0:
                y_true = rng.randint(0, 2, n_samples)
                y_score = rng.randint(0, 5, n_samples) / 4.0
                if index % 4 == 0:
                    weights = rng.randint(0, 4, n_samples).astype(float)
                averages = ["macro"]
            else:
                n_labels = rng.randint(2, 5)
                y_true = rng.randint(0, 2, (n_samples, n_labels))
                y_score = rng.randint(0, 5, (n_samples, n_labels)) / 4.0
                if index % 3 == 0:
                    weights = rng.randint(1, 5, n_samples).astype(float)
                averages = ["macro", "micro", "weighted", "samples", None]
            for average in averages:
                value = sklearn.metrics.average_precision_score(y_true, y_score, average=average, sample_weight=weights)
                cases.append(
                    {
                        "yTrue": y_true.tolist(),
                        "yScore": y_score.tolist(),
                        "sampleWeight": None if weights is None else weights.tolist(),
                        "average": average or "none",
                        "expected": np.asarray(value).tolist(),
                    }
                )
    return cases


def upstream_test_names(path, prefix):
    names = re.findall(r"^def (test_\w+)\(", path.read_text(), flags=re.M)
    return [name for name in names if prefix is None or name.startswith(prefix)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests-dir", default=str(Path(sklearn.metrics.__file__).parent / "tests"))
    parser.add_argument("--out", default=str(Path(__file__).parent.parent / "test/fixtures/sklearn-suite.json"))
    options = parser.parse_args()

    recorder = Recorder()
    for name in RECORDED:
        setattr(sklearn.metrics, name, recorder.wrap(name, getattr(sklearn.metrics, name)))
    sklearn.metrics._classification._check_targets = recorder.wrap(
        "_check_targets", sklearn.metrics._classification._check_targets
    )

    tests_dir = Path(options.tests_dir)
    order = []
    targets = []
    for filename, prefix in SOURCES:
        names = upstream_test_names(tests_dir / filename, prefix)
        order += [(filename, name) for name in names]
        target = str(tests_dir / filename)
        targets.append(target)
    selection = " or ".join(name for _, name in order)
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "-k", selection, *targets],
        plugins=[recorder],
    )

    tests = []
    for filename, name in order:
        cases = [
            {"id": parameter_id, "calls": calls}
            for (test_name, parameter_id), calls in recorder.calls.items()
            if test_name == name
        ]
        outcome = sorted({outcome for nodeid, outcome in recorder.outcomes.items() if nodeid.split("::")[-1].split("[")[0] == name})
        tests.append({"file": f"sklearn/metrics/tests/{filename}", "name": name, "upstreamOutcome": outcome, "cases": cases})

    fixture = {
        "generator": "packages/metrics/scripts/sklearn_suite.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "tests": tests,
        "arrays": recorder.arrays,
        "averagePrecisionCases": average_precision_cases(),
    }
    Path(options.out).write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    calls = sum(len(case["calls"]) for test in tests for case in test["cases"])
    print(f"{len(tests)} upstream tests, {calls} recorded calls -> {options.out} (pytest exit {code})", file=sys.stderr)


if __name__ == "__main__":
    main()
