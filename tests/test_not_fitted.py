"""weaksup's NotFittedError is caught by code written for scikit-learn's, without weaksup importing sklearn."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest


def test_sklearn_except_clause_catches_weaksup_not_fitted_error_of_every_family():
    import sklearn.exceptions

    from weaksup._validation import NotFittedError
    from weaksup.endmodel import LogisticRegression
    from weaksup.labelmodel import DawidSkene, MajorityVote
    from weaksup.sequence import HMM, SequenceVotes
    from weaksup.universal import RealSpace, UniversalLabelModel, make_synthetic

    seq_votes = SequenceVotes.from_tag_lists([[["B-X", "O"], ["I-X", "O"], ["O", "O"]]] * 2, ["X"])
    value_votes, _ = make_synthetic(RealSpace(1), [2.0, 1.0, 0.5], 20, seed=1)
    calls = [lambda: MajorityVote().predict(np.array([[0, 1]])),
             lambda: DawidSkene().predict_proba(np.array([[0, 1]])),
             lambda: LogisticRegression().predict(np.zeros((1, 2))),
             lambda: UniversalLabelModel(RealSpace(1)).predict(value_votes),
             lambda: HMM(n_iter=2).predict(seq_votes)]
    for call in calls:
        with pytest.raises(sklearn.exceptions.NotFittedError) as info:
            call()
        exc = info.value
        assert isinstance(exc, NotFittedError) and isinstance(exc, ValueError) and isinstance(exc, AttributeError)
        assert type(exc).__name__ == "NotFittedError" and type(exc).__module__ == "weaksup._validation"
        back = pickle.loads(pickle.dumps(exc))
        assert isinstance(back, sklearn.exceptions.NotFittedError) and back.args == exc.args


def test_raising_not_fitted_error_does_not_import_sklearn():
    code = ("import sys\n"
            "from weaksup._validation import NotFittedError, check_is_fitted\n"
            "class M: pass\n"
            "try:\n    check_is_fitted(M())\n"
            "except NotFittedError as exc:\n    assert type(exc) is NotFittedError, type(exc)\n"
            "assert 'sklearn' not in sys.modules, 'raising NotFittedError imported sklearn'\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
