"""Records scikit-learn's normalised, weighted confusion matrices for @art/metrics.

NumPy sums a contiguous row (`cm.sum(axis=1)`) and the whole matrix (`cm.sum()`) pairwise, and a
column (`cm.sum(axis=0)`) row by row; with float sample weights the three orders round
differently, so `test/confusion-matrix.test.ts` compares every cell exactly. Nine classes, so a
row has more than the eight values below which pairwise and running sums agree.

Usage (from packages/metrics, with Debian's interpreter):

    /usr/bin/python3 scripts/make_normalize_fixture.py > test/fixtures/confusion-normalize.json
"""

import json

import numpy as np
import sklearn
from sklearn.metrics import confusion_matrix

rng = np.random.RandomState(3)
y_true = rng.randint(0, 9, 150)
y_pred = rng.randint(0, 9, 150)
weights = np.round(rng.uniform(0.1, 3, 150), 4)
fixture = {
    "generator": f"scikit-learn {sklearn.__version__}: scripts/make_normalize_fixture.py",
    "yTrue": y_true.tolist(),
    "yPred": y_pred.tolist(),
    "sampleWeight": weights.tolist(),
}
for normalize in ["true", "pred", "all"]:
    fixture[normalize] = confusion_matrix(y_true, y_pred, sample_weight=weights, normalize=normalize).tolist()
print(json.dumps(fixture))
