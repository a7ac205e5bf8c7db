"""TokenLabelModel(label_model=...) refuses what is not a classification label model instance, naming label_model.

Before the fix the errors came from sklearn's clone or the object's own fit and named neither the parameter nor what
it must be: a string was "Cannot clone object ''majority''", a class "Cannot clone object. You should provide an
instance of scikit-learn estimator instead of a class", LogisticRegression() "fit() missing 1 required positional
argument: 'y'" (a feature label model's fit wanted X).  Each refusal test failed on the code before the fix.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from weaksup.flows import LabelLearningFlow
from weaksup.labelmodel import DawidSkene, MajorityVote
from weaksup.sequence import SequenceVotes, TokenLabelModel

# two sentences, each token's votes of three LFs
V = SequenceVotes.from_tag_lists([[["B-PER", "B-PER", "O"], ["I-PER", "O", "I-PER"], ["O", "O", "O"]],
                                  [["O", "O", "O"], ["B-PER", "O", "B-PER"], ["O", "O", "B-PER"]]], ["PER"])
MUST = r"^TokenLabelModel: label_model must be a classification label model instance \(fit\(VoteMatrix\), "


@pytest.mark.parametrize("label_model, got", [
    ("majority", r"got the str 'majority' \(a model is passed, not its name\)$"),
    (MajorityVote, r"got the class MajorityVote itself: pass an instance, e.g. MajorityVote\(\)$"),
    (LogisticRegression, r"got the class LogisticRegression itself: pass an instance, e.g. DawidSkene\(\)$"),
    (LogisticRegression(), r"got an instance of LogisticRegression, whose fit also needs \['y'\] besides the votes"),
    (LabelLearningFlow(), r"got an instance of LabelLearningFlow, whose fit also needs \['X'\] besides the votes"),
    (object(), r"got an instance of object, which has no fit / predict_proba / get_params$"),
])
def test_label_model_that_is_not_a_label_model_instance_is_refused_by_name(label_model, got):
    model = TokenLabelModel(label_model=label_model)
    with pytest.raises(TypeError, match=MUST + ".*" + got):
        model.fit(V)
    assert not hasattr(model, "label_model_")


class _UniformTokens:
    """A label model outside weaksup: fit(votes) and predict_proba(votes), clonable (the documented duck type)."""

    def get_params(self, deep: bool = True) -> dict:
        return {}

    def set_params(self, **params) -> _UniformTokens:
        return self

    def fit(self, votes) -> _UniformTokens:
        self.k_ = votes.cardinality
        return self

    def predict_proba(self, votes) -> np.ndarray:
        return np.full((votes.shape[0], self.k_), 1.0 / self.k_)


@pytest.mark.parametrize("label_model", [MajorityVote(), DawidSkene(), _UniformTokens()])
def test_label_model_instances_are_still_accepted(label_model):
    model = TokenLabelModel(label_model=label_model).fit(V)
    assert model.predict_proba(V).shape == (V.n_tokens, 3)
