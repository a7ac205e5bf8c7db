"""Multinomial logistic regression on soft labels (numpy + scipy L-BFGS; no torch)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, user_stacklevel
from weaksup.endmodel.base import RENAMED_KWARGS, EndModel, scale_advice, warn_nonfinite_valid

__all__ = ["LogisticRegression"]


class LogisticRegression(EndModel):
    """Softmax regression trained with the noise-aware cross-entropy.

    Minimises ``0.5·||W||² + C · Σ_i w_i · (−Σ_j y_ij log softmax(x_i W + b)_j)``
    (scikit-learn's convention for ``C``; the intercept is not penalised) with
    L-BFGS.  ``X`` may be dense or scipy-sparse (e.g. TF-IDF).  With
    ``valid=(X_valid, y_valid)`` the validation ``metric`` is computed after
    every L-BFGS iteration, the best iterate is kept and optimisation stops
    after ``patience`` iterations without improvement (early stopping).

    Parameters
    ----------
    C : float
        Inverse L2 strength.
    fit_intercept : bool
    max_iter : int
        L-BFGS iterations; stopping short of convergence (here or on a failed line search) warns
        scikit-learn's ``ConvergenceWarning`` (early stopping on ``valid`` does not).  A failed line search
        (at 0 iterations: the model is its start, ``1/k`` everywhere) is no matter of ``max_iter``: the
        warning then names the largest-magnitude columns of ``X`` and says to scale the features.
    tol : float
        L-BFGS gradient tolerance.
    metric : str
        Validation metric (a :mod:`weaksup.metrics` name).
    patience : int or None
        Iterations without validation improvement before stopping (None: no stop).
    cardinality : int, optional
        Number of classes (inferred from ``y`` when omitted; ``n_classes`` is a
        deprecated alias).
    progress : bool
        Show a tqdm bar over L-BFGS iterations (``progress_bar``: deprecated alias).
    seed : int, optional
        Unused by the (deterministic) solver; kept for the common contract
        (``random_state``: deprecated alias).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> lr = LogisticRegression(C=10.0).fit(X, [0, 0, 1, 1])
    >>> lr.predict(X).tolist()
    [0, 0, 1, 1]
    """

    _parameter_constraints = {
        "C": [Interval(0, None, closed="neither")],
        "fit_intercept": [bool],
        "max_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
        "patience": [None, Interval(0, None, integer=True)],
        **EndModel._progress_and_seed,
    }

    @renamed_kwargs(**RENAMED_KWARGS)
    def __init__(self, C: float = 1.0, fit_intercept: bool = True, max_iter: int = 1000, tol: float = 1e-6,
                 metric: str = "accuracy", patience: int | None = 50, cardinality: int | None = None,
                 progress: bool = False, seed: int | None = None) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.metric = metric
        self.patience = patience
        self.cardinality = cardinality
        self.progress = progress
        self.seed = seed

    def _unpack(self, theta: np.ndarray, d: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        W = theta[: d * k].reshape(d, k)
        b = theta[d * k:] if self.fit_intercept else np.zeros(k)
        return W, b

    def _fit(self, X: Any, P: np.ndarray, w: np.ndarray | None, valid: Any, seed: int) -> None:
        n, d = X.shape
        k = P.shape[1]
        sw = np.ones(n) if w is None else w
        C = float(self.C)

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            W, b = self._unpack(theta, d, k)
            Z = np.asarray(X @ W) + b
            logp = log_softmax(Z, axis=1)
            loss = -float(np.sum(sw[:, None] * P * logp))
            G = sw[:, None] * (np.exp(logp) * P.sum(axis=1, keepdims=True) - P)
            gW = np.asarray(X.T @ G) * C + W
            obj = C * loss + 0.5 * float(np.sum(W * W))
            grad = gW.ravel()
            if self.fit_intercept:
                grad = np.concatenate([grad, C * G.sum(axis=0)])
            return obj, grad

        theta0 = np.zeros(d * k + (k if self.fit_intercept else 0))
        best: dict[str, Any] = {"score": -np.inf, "theta": theta0.copy(), "it": 0, "since": 0, "nonfinite": 0,
                               "stopped": False}
        bar = None
        if self.progress:
            from weaksup._progress import progress_bar

            bar = progress_bar(total=self.max_iter, desc="LogisticRegression (L-BFGS)", leave=False)
        self.history_: list[dict[str, float]] = []

        def callback(intermediate_result: Any) -> None:
            theta = intermediate_result.x
            if bar is not None:
                bar.update(1)
            if valid is None:
                return
            W, b = self._unpack(theta, d, k)
            s = self._valid_score(softmax(np.asarray(valid[0] @ W) + b, axis=1), valid[1])
            self.history_.append({"iter": len(self.history_) + 1, "valid": float(s)})
            if not np.isfinite(s):  # skipped: neither the kept iterate nor a count toward patience
                if not best["nonfinite"]:
                    warn_nonfinite_valid("LogisticRegression", self._metric(), s, f"iteration {len(self.history_)}",
                                        valid[1])
                best["nonfinite"] += 1
                return
            if s > best["score"]:
                best.update(score=s, theta=theta.copy(), it=len(self.history_), since=0)
            else:
                best["since"] += 1
                if self.patience is not None and best["since"] >= self.patience:
                    best["stopped"] = True
                    raise StopIteration

        try:
            res = minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=callback,
                           options={"maxiter": int(self.max_iter), "gtol": self.tol, "ftol": 1e-12})
        finally:
            if bar is not None:
                bar.close()
        if not res.success and not best["stopped"]:  # early stopping ends L-BFGS on purpose
            from sklearn.exceptions import ConvergenceWarning

            warnings.warn(self._convergence_message(res, X, k), ConvergenceWarning, stacklevel=user_stacklevel())
        found = valid is not None and best["it"] > 0  # no finite check: the last iterate stands, its score unknown
        theta = best["theta"] if found else res.x
        self.coef_, self.intercept_ = (a.copy() for a in self._unpack(theta, d, k))
        self.n_iter_ = int(res.nit)
        self.best_iter_ = int(best["it"]) if found else int(res.nit)
        self.best_valid_score_ = None if valid is None else float(best["score"]) if found else np.nan

    def _convergence_message(self, res: Any, X: Any, k: int) -> str:
        """The ``ConvergenceWarning`` of an L-BFGS run that stopped short: out of iterations (status 1), raise
        ``max_iter``; any other stop is a failed line search, which more iterations do not fix (at 0 iterations
        the model is its starting point, ``1/k`` on every row): scale the features, naming the largest ones."""
        nit, why = int(res.nit), f"status {res.status}: {res.message!s}"
        if res.status == 1:
            return (f"LogisticRegression: L-BFGS did not converge in {nit} iterations ({why}); increase max_iter "
                    f"(now {self.max_iter}) or scale the features")
        scale = scale_advice(X) or "scale the features"
        if nit == 0:
            start = f", so the model predicts 1/{k} for every class on every row" if not np.any(res.x) else ""
            return (f"LogisticRegression: L-BFGS stopped at its starting point, after 0 iterations ({why}): its "
                    f"first line search found no step that lowers the loss{start}, and a larger max_iter does not "
                    f"help; {scale}")
        return (f"LogisticRegression: L-BFGS stopped after {nit} iterations without converging ({why}): its line "
                f"search found no step that lowers the loss, which a larger max_iter does not fix; {scale} "
                f"(or, if the features are well scaled, loosen tol, now {self.tol:g})")

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores: ``n × k`` logits; with two classes the log-odds of class 1, shape ``(n,)``, as
        scikit-learn's binary classifiers return (what its ``roc_auc`` / ``average_precision`` scorers read)."""
        self._check_fitted()
        X = self._check_X(X)
        Z = np.asarray(X @ self.coef_) + self.intercept_
        return Z[:, 1] - Z[:, 0] if Z.shape[1] == 2 else Z

    def _predict_proba(self, X: Any) -> np.ndarray:
        Z = np.asarray(X @ self.coef_) + self.intercept_
        return softmax(Z, axis=1)

