"""Synthetic weak-supervision data with known parameters (for tests, demos and benchmarks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup.votes import ABSTAIN, VoteMatrix

__all__ = ["make_votes", "make_one_sided_votes", "make_text_task"]


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

    Returns ``(votes, y, params)`` where ``params`` holds ``accuracies``,
    ``propensities`` and ``class_balance``.  With ``sparse=True`` the votes are
    built and stored sparse (memory proportional to the number of votes).

    Examples
    --------
    >>> L, y, params = make_votes(1000, 5, 3, seed=1)
    >>> L.shape, L.cardinality, y.shape
    ((1000, 5), 3, (1000,))
    """
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0.55, 0.9, m) if accuracies is None else np.broadcast_to(np.asarray(accuracies, float), (m,))
    prop = rng.uniform(0.1, 0.5, m) if propensities is None else np.broadcast_to(np.asarray(propensities, float), (m,))
    p = np.full(k, 1.0 / k) if class_balance is None else np.asarray(class_balance, float) / np.sum(class_balance)
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
    ``class_balance``.

    Examples
    --------
    >>> L, y, params = make_one_sided_votes(1000, 6, 3, class_balance=[0.5, 0.3, 0.2], seed=1)
    >>> params["targets"].tolist()
    [0, 1, 2, 0, 1, 2]
    >>> bool(((L.to_dense() == -1) | (L.to_dense() == params["targets"])).all())
    True
    """
    rng = np.random.default_rng(seed)
    tgt = np.arange(m) % k if targets is None else np.broadcast_to(np.asarray(targets, int), (m,))
    hit = rng.uniform(0.2, 0.6, m) if hit_rates is None else np.broadcast_to(np.asarray(hit_rates, float), (m,))
    fal = rng.uniform(0.01, 0.08, m) if false_rates is None else np.broadcast_to(np.asarray(false_rates, float), (m,))
    p = np.full(k, 1.0 / k) if class_balance is None else np.asarray(class_balance, float) / np.sum(class_balance)
    y = rng.choice(k, size=n, p=p)
    rate = np.where(y[:, None] == tgt[None, :], hit[None, :], fal[None, :])
    votes = np.where(rng.random((n, m)) < rate, tgt[None, :], ABSTAIN)
    pt = p[tgt]
    acc = pt * hit / (pt * hit + (1 - pt) * fal)
    prop = pt * hit + (1 - pt) * fal
    params = {"accuracies": acc, "propensities": prop, "class_balance": p, "targets": np.array(tgt),
              "hit_rates": np.array(hit), "false_rates": np.array(fal)}
    return VoteMatrix(votes, None, k), y, params


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

    Examples
    --------
    >>> df, y = make_text_task(5, seed=1)
    >>> list(df.columns), y.shape
    (['text', 'n_words', 'n_exclaim'], (5,))
    """
    import pandas as pd

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
