"""Synthetic weak-supervision data with known parameters (for tests, demos and benchmarks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup._validation import check_class_balance, check_seed
from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["make_votes", "make_one_sided_votes", "make_text_task"]


def _check_sizes(func: str, **sizes: Any) -> None:
    """``n``, ``m`` (ints >= 0) and ``k`` (an int >= 1) of a generator."""
    for name, value in sizes.items():
        low = 1 if name == "k" else 0
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{func}: {name} must be an int >= {low}, got {value!r}")


def _probabilities(value: Any, m: int, name: str, func: str) -> np.ndarray:
    """``value`` as ``m`` probabilities, one per LF: a number in [0, 1] for every LF, or ``m`` of them."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{func}: {name} must be a number in [0, 1] or {m} of them (one per LF), "
                         f"got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    elif arr.shape != (m,):
        raise ValueError(f"{func}: {name} has shape {arr.shape}; expected a number or {m} numbers (one per LF)")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        j = int(np.nonzero(bad)[0][0])
        raise ValueError(f"{func}: {name} are probabilities in [0, 1]; LF {j} has {float(arr[j])!r}")
    return arr


def _probability(value: Any, name: str, func: str) -> float:
    """``value`` as one probability in [0, 1] (a finite number; not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{func}: {name} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= float(value) <= 1.0:  # NaN fails too
        raise ValueError(f"{func}: {name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _prior(class_balance: Any, k: int, func: str) -> np.ndarray:
    if class_balance is None:
        return np.full(k, 1.0 / k)
    try:
        p = check_class_balance(class_balance, k)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: {exc}") from None
    assert p is not None
    return p


def make_votes(
    n: int,
    m: int,
    k: int = 2,
    *,
    accuracies: Any = None,
    propensities: Any = None,
    class_balance: Any = None,
    seed: int | None = 0,
    sparse: bool = False,
) -> tuple[VoteMatrix, np.ndarray, dict[str, np.ndarray]]:
    """Conditionally independent LFs with known accuracies and propensities.

    Each LF ``j`` fires on a row with probability ``propensities[j]``
    (independently of the class) and, when it fires, votes the true class with
    probability ``accuracies[j]`` and otherwise a uniformly chosen wrong class.

    ``accuracies`` and ``propensities`` are probabilities: one number for every
    LF or ``m`` of them (default: drawn uniformly from [0.55, 0.9] and
    [0.1, 0.5]); ``class_balance`` has ``k`` positive entries (normalised).

    Returns ``(votes, y, params)`` where ``params`` holds ``accuracies``,
    ``propensities`` and ``class_balance``.  With ``sparse=True`` the votes are
    built and stored sparse (memory proportional to the number of votes).

    Examples
    --------
    >>> from weaksup.synthetic import make_votes
    >>> L, y, params = make_votes(1000, 5, 3, seed=1)
    >>> L.shape, L.cardinality, y.shape
    ((1000, 5), 3, (1000,))
    """
    _check_sizes("make_votes", n=n, m=m, k=k)
    acc = None if accuracies is None else _probabilities(accuracies, m, "accuracies", "make_votes")
    prop = None if propensities is None else _probabilities(propensities, m, "propensities", "make_votes")
    p = _prior(class_balance, k, "make_votes")
    check_seed(seed, "make_votes")
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0.55, 0.9, m) if acc is None else acc
    prop = rng.uniform(0.1, 0.5, m) if prop is None else prop
    y = rng.choice(k, size=n, p=p)
    if sparse:
        rows, cols, vals = [], [], []
        for j in range(m):
            r = np.nonzero(rng.random(n) < prop[j])[0]
            correct = rng.random(r.size) < acc[j]
            wrong = (y[r] + rng.integers(1, k, r.size)) % k if k > 1 else y[r]
            rows.append(r)
            cols.append(np.full(r.size, j))
            vals.append(np.where(correct, y[r], wrong) + 1)
        data = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, m)
        )
        L = VoteMatrix(data, None, k)
    else:
        fires = rng.random((n, m)) < prop
        correct = rng.random((n, m)) < acc
        wrong = (y[:, None] + rng.integers(1, max(k, 2), (n, m))) % k
        votes = np.where(correct, y[:, None], wrong)
        votes = np.where(fires, votes, ABSTAIN)
        L = VoteMatrix(votes, None, k)
    return L, y, {"accuracies": np.array(acc), "propensities": np.array(prop), "class_balance": p}


def make_one_sided_votes(
    n: int,
    m: int,
    k: int = 2,
    *,
    targets: Any = None,
    hit_rates: Any = None,
    false_rates: Any = None,
    class_balance: Any = None,
    seed: int | None = 0,
) -> tuple[VoteMatrix, np.ndarray, dict[str, np.ndarray]]:
    """One-sided (unipolar) LFs, as on WRENCH: LF ``j`` only ever votes its class ``targets[j]``.

    LF ``j`` fires with probability ``hit_rates[j]`` on rows of its class and
    ``false_rates[j]`` on other rows, independently of the other LFs given the
    class.  Its accuracy (``P(Y = target | it fires)``) follows from these and
    the class prior and is returned in ``params["accuracies"]`` with
    ``targets``, ``hit_rates``, ``false_rates``, ``propensities`` and
    ``class_balance``.  ``targets`` are classes ``0..k-1`` (one, or one per
    LF); the rates are probabilities (one, or one per LF).

    Examples
    --------
    >>> from weaksup.synthetic import make_one_sided_votes
    >>> L, y, params = make_one_sided_votes(1000, 6, 3, class_balance=[0.5, 0.3, 0.2], seed=1)
    >>> params["targets"].tolist()
    [0, 1, 2, 0, 1, 2]
    >>> bool(((L.to_dense() == -1) | (L.to_dense() == params["targets"])).all())
    True
    """
    func = "make_one_sided_votes"
    _check_sizes(func, n=n, m=m, k=k)
    tgt = np.arange(m) % k if targets is None else _targets(targets, m, k)
    hit = None if hit_rates is None else _probabilities(hit_rates, m, "hit_rates", func)
    fal = None if false_rates is None else _probabilities(false_rates, m, "false_rates", func)
    p = _prior(class_balance, k, func)
    check_seed(seed, func)
    rng = np.random.default_rng(seed)
    hit = rng.uniform(0.2, 0.6, m) if hit is None else hit
    fal = rng.uniform(0.01, 0.08, m) if fal is None else fal
    y = rng.choice(k, size=n, p=p)
    rate = np.where(y[:, None] == tgt[None, :], hit[None, :], fal[None, :])
    votes = np.where(rng.random((n, m)) < rate, tgt[None, :], ABSTAIN)
    pt = p[tgt]
    acc = pt * hit / (pt * hit + (1 - pt) * fal)
    prop = pt * hit + (1 - pt) * fal
    params = {"accuracies": acc, "propensities": prop, "class_balance": p, "targets": np.array(tgt),
              "hit_rates": np.array(hit), "false_rates": np.array(fal)}
    return VoteMatrix(votes, None, k), y, params


def _targets(targets: Any, m: int, k: int) -> np.ndarray:
    arr = np.asarray(targets)
    if arr.ndim == 0:
        arr = np.full(m, arr)
    if arr.shape != (m,):
        raise ValueError(f"make_one_sided_votes: targets has shape {arr.shape}; expected a class or {m} classes "
                         "(one per LF)")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"make_one_sided_votes: targets must be classes (ints 0..{k - 1}), got {targets!r}")
    bad = (arr < 0) | (arr >= k)
    if bad.any():
        j = int(np.nonzero(bad)[0][0])
        raise ValueError(f"make_one_sided_votes: targets are classes 0..{k - 1}; LF {j} has {int(arr[j])}")
    return arr.astype(np.int64)


# Procedural text task: short "comments" that are spam (1) or ham (0).
_NEUTRAL = (
    "the a this is it i you my and to of in on for with that was so just video time "
    "really people watch still here now one day year who what when at from all".split()
)
_SPAM = (
    "subscribe channel check out free win prize click link visit money giveaway "
    "follow promo offer cash deal".split()
)
_HAM = (
    "love song beautiful voice lyrics best amazing memories listening music "
    "dance chorus beat melody favorite".split()
)


def make_text_task(
    n: int,
    *,
    seed: int | None = 0,
    spam_rate: float = 0.45,
    signal: float = 0.18,
    noise: float = 0.04,
    url_rate: tuple[float, float] = (0.03, 0.35),
) -> tuple[Any, np.ndarray]:
    """A procedurally generated spam/ham comment task (binary, 1 = spam).

    Each text has 4-24 words: mostly neutral words, each word drawn from the
    own-class vocabulary with probability ``signal`` and from the other
    class's with probability ``noise``; spam texts contain a URL with
    probability ``url_rate[1]`` (ham: ``url_rate[0]``).  Columns: ``text``,
    ``n_words``, ``n_exclaim``.  Returns ``(df, y)``.

    ``n`` is an int >= 0, ``seed`` None or an int in ``[0, 2**32 - 1]``; ``spam_rate``, ``signal``,
    ``noise`` and both ``url_rate`` entries are probabilities, with ``signal + noise <= 1``.  Anything else
    is a ValueError (a TypeError for a wrong ``seed`` type) naming the parameter.

    Examples
    --------
    >>> from weaksup.synthetic import make_text_task
    >>> df, y = make_text_task(5, seed=1)
    >>> list(df.columns), y.shape
    (['text', 'n_words', 'n_exclaim'], (5,))
    """
    import pandas as pd

    func = "make_text_task"
    _check_sizes(func, n=n)
    check_seed(seed, func)
    spam_rate = _probability(spam_rate, "spam_rate", func)
    signal = _probability(signal, "signal", func)
    noise = _probability(noise, "noise", func)
    if signal + noise > 1.0 + 1e-12:  # float rounding of a sum meant to be 1 is not an error
        raise ValueError(f"{func}: signal + noise is the chance a word is a class word (own or other class); "
                         f"it must be <= 1, got {signal!r} + {noise!r} = {signal + noise!r}")
    if not isinstance(url_rate, (tuple, list, np.ndarray)) or np.ndim(url_rate) != 1 or len(url_rate) != 2:
        raise ValueError(f"{func}: url_rate must be two probabilities (ham rate, spam rate), e.g. (0.03, 0.35), "
                         f"got {url_rate!r}")
    url_rate = (_probability(url_rate[0], "url_rate[0] (ham)", func),
                _probability(url_rate[1], "url_rate[1] (spam)", func))
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < spam_rate).astype(np.int64)
    lengths = rng.integers(4, 25, n)
    total = int(lengths.sum())
    row_of = np.repeat(np.arange(n), lengths)
    yw = y[row_of]
    u = rng.random(total)
    nn, ns, nh = len(_NEUTRAL), len(_SPAM), len(_HAM)
    base = list(_NEUTRAL) + list(_SPAM) + list(_HAM)
    vocab = np.asarray(base + [w.capitalize() for w in base], dtype=object)
    neutral = rng.integers(0, nn, total)
    spam = nn + rng.integers(0, ns, total)
    ham = nn + ns + rng.integers(0, nh, total)
    own = np.where(yw == 1, spam, ham)
    other = np.where(yw == 1, ham, spam)
    idx = np.where(u < signal, own, np.where(u < signal + noise, other, neutral))
    idx = idx + len(base) * (rng.random(total) < 0.1)
    wl = vocab[idx].tolist()
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(wl[bounds[i]:bounds[i + 1]]) for i in range(n)]
    has_url = rng.random(n) < np.where(y == 1, url_rate[1], url_rate[0])
    ids = rng.integers(1000, 99999, n)
    n_exclaim = rng.poisson(np.where(y == 1, 1.2, 0.4))
    for i in np.nonzero(has_url)[0]:
        texts[i] += f" http://site{ids[i]}.com/v"
    for i in np.nonzero(n_exclaim)[0]:
        texts[i] += "!" * int(n_exclaim[i])
    df = pd.DataFrame({"text": texts, "n_words": lengths, "n_exclaim": n_exclaim})
    return df, y
