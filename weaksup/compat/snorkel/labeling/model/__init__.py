"""``snorkel.labeling.model``: ``LabelModel`` and the baselines."""

from weaksup.compat.snorkel.labeling.model.baselines import MajorityClassVoter, MajorityLabelVoter, RandomVoter
from weaksup.compat.snorkel.labeling.model.label_model import LabelModel

__all__ = ["LabelModel", "MajorityClassVoter", "MajorityLabelVoter", "RandomVoter"]
