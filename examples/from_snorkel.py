"""snorkel's spam tutorial flow on WRENCH youtube, run unchanged on snorkel or on weaksup.compat.snorkel.

The only difference between the two runs is the import prefix, picked by
``--backend``: ``snorkel`` or ``weaksup`` (which imports ``weaksup.compat.snorkel``).
Everything below the imports is plain snorkel 0.10 code: labeling functions
with ``resources=`` and a memoised ``@preprocessor``, ``PandasLFApplier``,
``LFAnalysis(...).lf_summary``, ``MajorityLabelVoter``, ``LabelModel.fit``,
``predict``/``score``, ``filter_unlabeled_dataframe`` and a scikit-learn
classifier on the denoised labels.

Usage::

    export WEAKSUP_DATA=/path/to/wrench          # the folder holding youtube/
    python examples/from_snorkel.py --backend weaksup
    python examples/from_snorkel.py --backend snorkel --out /tmp/snorkel.npz

``--out`` saves the label matrices, probabilities and predictions
(tests/test_compat_snorkel_example.py compares the two backends).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--backend", choices=["snorkel", "weaksup"], default="weaksup")
ap.add_argument("--data", default=os.environ.get("WEAKSUP_DATA"), help="WRENCH folder (default $WEAKSUP_DATA)")
ap.add_argument("--out", help="save L, probabilities and predictions to this .npz")
args = ap.parse_args()

if args.backend == "snorkel":
    from snorkel.labeling import LFAnalysis, LabelingFunction, PandasLFApplier, filter_unlabeled_dataframe
    from snorkel.labeling import labeling_function
    from snorkel.labeling.model import LabelModel, MajorityLabelVoter
    from snorkel.preprocess import preprocessor
    from snorkel.utils import probs_to_preds
else:
    from weaksup.compat.snorkel.labeling import LFAnalysis, LabelingFunction, PandasLFApplier, filter_unlabeled_dataframe
    from weaksup.compat.snorkel.labeling import labeling_function
    from weaksup.compat.snorkel.labeling.model import LabelModel, MajorityLabelVoter
    from weaksup.compat.snorkel.preprocess import preprocessor
    from weaksup.compat.snorkel.utils import probs_to_preds

# ----------------------------------------------------------------------- data
if not args.data or not (Path(args.data) / "youtube" / "train.json").exists():
    raise SystemExit("from_snorkel.py needs WRENCH youtube: set WEAKSUP_DATA (or --data) to the folder holding youtube/")


def load_split(name: str) -> pd.DataFrame:
    rows = json.loads((Path(args.data) / "youtube" / f"{name}.json").read_text())
    return pd.DataFrame({"text": [r["data"]["text"] for r in rows.values()],
                         "label": [r["label"] for r in rows.values()]}, index=[int(i) for i in rows])


df_train, df_valid, df_test = load_split("train"), load_split("valid"), load_split("test")
Y_valid, Y_test = df_valid.label.values, df_test.label.values

ABSTAIN, HAM, SPAM = -1, 0, 1


# ---------------------------------------------------------- labeling functions
def keyword_lookup(x, keywords, label):
    if any(word in x.text.lower() for word in keywords):
        return label
    return ABSTAIN


def make_keyword_lf(keywords, label=SPAM):
    return LabelingFunction(name=f"keyword_{keywords[0]}", f=keyword_lookup,
                            resources=dict(keywords=keywords, label=label))


keyword_my = make_keyword_lf(keywords=["my"])
keyword_subscribe = make_keyword_lf(keywords=["subscribe"])
keyword_link = make_keyword_lf(keywords=["http"])
keyword_please = make_keyword_lf(keywords=["please", "plz"])
keyword_song = make_keyword_lf(keywords=["song"], label=HAM)


@labeling_function()
def regex_check_out(x):
    return SPAM if re.search(r"check.*out", x.text, flags=re.I) else ABSTAIN


@labeling_function()
def short_comment(x):
    """Ham comments are often short, such as 'cool video!'"""
    return HAM if len(x.text.split()) < 5 else ABSTAIN


@preprocessor(memoize=True)
def add_words(x):
    x.words = set(re.findall(r"[a-z']+", x.text.lower()))
    return x


@labeling_function(pre=[add_words], resources=dict(praise={"love", "best", "awesome", "amazing", "beautiful"}))
def praise_words(x, praise):
    return HAM if x.words & praise else ABSTAIN


lfs = [keyword_my, keyword_subscribe, keyword_link, keyword_please, keyword_song, regex_check_out, short_comment,
       praise_words]

applier = PandasLFApplier(lfs=lfs)
L_train = applier.apply(df=df_train, progress_bar=False)
L_valid = applier.apply(df=df_valid, progress_bar=False)
L_test = applier.apply(df=df_test, progress_bar=False)

print(LFAnalysis(L=L_valid, lfs=lfs).lf_summary(Y=Y_valid).round(3))

# -------------------------------------------------------------- label models
majority_model = MajorityLabelVoter()
preds_mv = majority_model.predict(L=L_test)
mv_acc = majority_model.score(L=L_test, Y=Y_test, tie_break_policy="random")["accuracy"]
print(f"Majority Vote Accuracy:   {100 * mv_acc:.1f}%")

label_model = LabelModel(cardinality=2, verbose=False)
label_model.fit(L_train=L_train, n_epochs=500, log_freq=100, seed=123)
lm_acc = label_model.score(L=L_test, Y=Y_test, tie_break_policy="random")["accuracy"]
print(f"Label Model Accuracy:     {100 * lm_acc:.1f}%")
preds_lm = label_model.predict(L=L_test)  # ties abstain (-1) by default
print(f"Label Model abstains on {np.sum(preds_lm == -1)} of {len(preds_lm)} test comments")

# -------------------------------------------------------------- end model
probs_train = label_model.predict_proba(L=L_train)
df_train_filtered, probs_train_filtered = filter_unlabeled_dataframe(X=df_train, y=probs_train, L=L_train)

from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

vectorizer = CountVectorizer(ngram_range=(1, 5))
X_train = vectorizer.fit_transform(df_train_filtered.text.tolist())
X_test = vectorizer.transform(df_test.text.tolist())
preds_train_filtered = probs_to_preds(probs=probs_train_filtered)
sklearn_model = LogisticRegression(C=1e3, solver="liblinear")
sklearn_model.fit(X=X_train, y=preds_train_filtered)
end_acc = sklearn_model.score(X=X_test, y=Y_test)
print(f"Test Accuracy (LogisticRegression on denoised labels): {100 * end_acc:.1f}%")

if args.out:
    np.savez(args.out, L_train=L_train, L_valid=L_valid, L_test=L_test, probs_train=probs_train, preds_lm=preds_lm,
             preds_mv=preds_mv, mv_acc=mv_acc, lm_acc=lm_acc, end_acc=end_acc,
             filtered_index=df_train_filtered.index.values, preds_train_filtered=preds_train_filtered)
