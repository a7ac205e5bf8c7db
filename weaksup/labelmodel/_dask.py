"""Label models on Dask: statistics reduced across partitions, prediction mapped over them.

:meth:`LabelModel.fit <weaksup.labelmodel.base.LabelModel.fit>` and
``predict_proba`` hand votes that are a Dask array or a
:class:`~weaksup.dask_votes.DaskVotes` to this module.  It runs on the cluster
of the active ``distributed.Client`` (any deployment, by scheduler address);
without one it starts a :class:`distributed.LocalCluster` once per session.

* Every additive model (``_additive = True``: MajorityVote,
  WeightedMajorityVote, MatrixCompletion, FlyingSquid, ...) computes its
  sufficient statistics (``_stats``) on each partition on the workers; they
  are combined by a tree of ``_merge_stats`` tasks and only the reduced
  statistic (counts, the ``m·k × m·k`` co-occurrence matrix, ...) reaches the
  client, which runs ``_fit_stats`` — the same code as the in-memory fit.
* Dawid–Skene keeps each partition's distinct-row table on its worker; every
  EM iteration is a map (E-step and M-step counts on each partition,
  :func:`weaksup.labelmodel._stats.em_counts`) and a reduce (a sum of
  ``m·k × k`` count tensors) driving the model's own EM loop
  (:meth:`DawidSkene._em <weaksup.labelmodel.dawid_skene.DawidSkene._em>`).
* ``partial_fit`` (:func:`dask_stream`) adds a Dask block's statistics,
  reduced the same way, to the model's stream; the refit runs on the client.
* ``score`` (:func:`score_dask`) computes the hard labels on the workers and
  gathers only them (two bytes a row; the probabilities too when a metric
  reads them), then scores them against the gold labels on the client.
* ``predict_proba`` returns a Dask array: the fitted model's
  ``_predict_proba`` mapped over the partitions.

The vote matrix is never gathered on one process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from weaksup._validation import checked_probs
from weaksup.dask_votes import DaskVotes, block_votes, get_client, is_dask_array, is_dask_votes

__all__ = ["is_dask_votes", "as_dask_votes", "get_client", "fit_dask", "dask_stream", "predict_proba_dask",
           "predict_dask", "score_dask"]

def as_dask_votes(votes: Any, cardinality: int | None = None) -> DaskVotes:
    """A Dask array or :class:`DaskVotes` as DaskVotes (``cardinality`` imposed when given)."""
    if isinstance(votes, DaskVotes):
        if cardinality is None or cardinality == votes.cardinality:
            return votes
        out = DaskVotes.__new__(DaskVotes)
        out.__dict__.update(votes.__dict__)
        out.cardinality = int(cardinality)
        return out
    if is_dask_array(votes):
        return DaskVotes(votes, None, cardinality)
    raise TypeError(f"expected a Dask array or DaskVotes, got {type(votes).__name__}")


# ------------------------------------------------------------------ worker tasks
def _part_stats(model: Any, part: Any, names: list[str], k: int, offset: int) -> Any:
    return model._stats(block_votes(part, names, k, offset), offset)


def _merge(model: Any, a: Any, b: Any) -> Any:
    return model._merge_stats(a, b)


def _lf_class_counts(L: Any) -> np.ndarray:
    """``m × k`` int64: how many votes each LF cast for each class (what the fit-time checks read)."""
    return np.bincount(L.indicator().indices, minlength=L.m * L.cardinality).reshape(L.m, L.cardinality)


def _part_stats_counted(model: Any, part: Any, names: list[str], k: int, offset: int) -> tuple[Any, np.ndarray]:
    """A partition's statistics and its per-LF class counts, from one read of the partition."""
    L = block_votes(part, names, k, offset)
    return model._stats(L, offset), _lf_class_counts(L)


def _merge_counted(model: Any, a: tuple[Any, np.ndarray], b: tuple[Any, np.ndarray]) -> tuple[Any, np.ndarray]:
    return model._merge_stats(a[0], b[0]), a[1] + b[1]


def _part_lf_class_counts(part: Any, names: list[str], k: int, offset: int) -> np.ndarray:
    return _lf_class_counts(block_votes(part, names, k, offset))


def _held_lf_class_counts(held: Any, m: int, k: int) -> np.ndarray:
    """Per-LF class counts of a held distinct-row table (each row's one-hot weighted by its count)."""
    ind, w = held
    return np.rint(np.asarray(ind.T @ w)).astype(np.int64).reshape(m, k)


def _part_patterns(model: Any, part: Any, names: list[str], k: int, offset: int) -> Any:
    pats = model._stats(block_votes(part, names, k, offset), offset)
    return pats.ind, pats.counts.astype(np.float64)


def _part_em_counts(model: Any, held: Any, params: Any, prior: np.ndarray,
                    one_coin: bool | None) -> tuple[np.ndarray, Any]:
    ind, w = held
    return model._em_counts(ind, w, params, prior, one_coin)


def _part_em_counts_streamed(model: Any, part: Any, names: list[str], k: int, offset: int, params: Any,
                             prior: np.ndarray, one_coin: bool | None) -> tuple[np.ndarray, Any]:
    """One EM iteration's counts of a partition read afresh, row by row (nothing is held between iterations).

    No distinct-row table is built: deduplicating costs several E-steps, and is only worth it when the
    table is kept.  The counts equal the table's up to the order of the float sums.
    """
    ind = block_votes(part, names, k, offset).indicator()
    return _part_em_counts(model, (ind, np.ones(ind.shape[0])), params, prior, one_coin)


def _part_predict(model: Any, part: Any, names: list[str], k: int, offset: int) -> np.ndarray:
    L = block_votes(part, names, k, offset)
    if L.n == 0:
        return np.zeros((0, k))
    return checked_probs(model._predict_proba(L), L.n, k, type(model).__name__, offset)  # as in memory


def _part_preds(probs: np.ndarray, tie_break: str, prior: Any, seed: Any, block_info: Any = None) -> np.ndarray:
    from weaksup.metrics import probs_to_preds

    offset = block_info[0]["array-location"][0][0] if block_info else 0
    return probs_to_preds(probs, tie_break, prior=prior, seed=seed, offset=offset)


# ------------------------------------------------------------------------ fit
def _tree_reduce(client: Any, model: Any, parts: list[Any], merge_fn: Any = _merge) -> Any:
    """Merge per-partition statistics pairwise on the workers; only the result reaches the client."""
    import dask

    merge = dask.delayed(merge_fn, pure=True)
    shipped = dask.delayed(model, traverse=False)
    while len(parts) > 1:
        nxt = [merge(shipped, a, b) for a, b in zip(parts[::2], parts[1::2])]
        if len(parts) % 2:
            nxt.append(parts[-1])
        parts = nxt
    return client.compute(parts[0]).result()


def fit_dask(model: Any, votes: Any, *, class_balance: Any, valid: Any, seed: int | None,
             check_valid_votes: Any, progress: bool = True) -> Any:
    """``model.fit`` on Dask votes (called by :meth:`LabelModel.fit`, which passes its ``valid`` checker and
    whether fit progress bars are on: :func:`~weaksup.labelmodel.base.fit_progress_enabled`).

    The in-memory fit's checks run too (:func:`check_fit_counts`: a warning for an LF that never fires,
    an error for votes of one class or none), read from per-LF class counts reduced with the statistics
    (or, for Dawid–Skene, from the distinct-row tables held on the workers), so they cost no extra pass
    over the votes except in streamed EM.  A fit that fails leaves the model as it was.
    """
    from weaksup._validation import check_class_balance, check_fit_counts

    model._validate_params()
    V = as_dask_votes(votes, model.cardinality)
    if V.m < model.min_lfs:
        raise ValueError(f"votes has {V.m} LF column(s); this model needs at least {model.min_lfs}")
    if not model._additive:
        raise NotImplementedError(f"{type(model).__name__} has no additive statistics; it cannot be fitted "
                                  "on Dask votes (gather them with DaskVotes.to_vote_matrix() if they fit in memory)")
    k = V.cardinality
    # the valid votes' LFs matched as the in-memory fit matches them: by whether the training LFs were named
    valid_checked = check_valid_votes(valid, k, V.m, lf_names=V.lf_names, placeholder=V.placeholder_names)
    check_class_balance(class_balance, k)
    if V.n == 0:
        raise ValueError("votes have no rows; a label model needs at least one example")  # check_fit_votes' words
    model._warn_few_lfs(V.m, valid)
    before = dict(model.__dict__)
    model._reset()
    model.cardinality_, model.n_lfs_, model.lf_names_ = k, V.m, list(V.lf_names)
    # whether lf_names_ were made up, as the in-memory fit records it (placeholder_names): without it, LFs really
    # named lf_0 .. were taken for made-up names and later votes read by position
    model._lf_names_placeholder_ = V.placeholder_names
    # each LF's fingerprint (None where unknown), as the in-memory fit records it (_set_shape): predicting on votes
    # of an edited LF then warns (warn_changed_lfs); read off V, base's lf_fingerprints() being out of reach here
    model.lf_fingerprints_ = tuple(V.lf_fingerprints)
    model.n_seen_ = V.n
    client = get_client()
    parts = V.partitions()
    try:
        if hasattr(model, "_em") and getattr(model, "_em_map_reduce", True):
            _fit_em(client, model, V, parts, class_balance, valid_checked, progress)
            return model
        stats, counts = _reduced_stats(client, model, V, 0, counted=True)
        check_fit_counts(counts, V.lf_names, V.n, votes_type="DaskVotes")
        # the fingerprints too, so partial_fit after this fit refuses a chunk of an edited LF (as after fit in memory)
        model._stream = {"stats": stats, "n": V.n, "k": k, "m": V.m, "lf_names": list(V.lf_names),
                         "lf_placeholder": V.placeholder_names, "lf_fingerprints": tuple(V.lf_fingerprints)}
        model._fit_stats(stats, class_balance=class_balance, dev=valid_checked, seed=seed)
        model._warn_redundant_lfs()  # from the reduced statistics' LF-pair counts, where the model keeps them
    except BaseException:
        model.__dict__.clear()
        model.__dict__.update(before)
        raise
    return model


def _reduced_stats(client: Any, model: Any, V: DaskVotes, offset: int, counted: bool = False) -> Any:
    """The model's ``_stats`` of every partition, merged on the workers (rows numbered from ``offset``).

    ``counted``: ``(stats, m × k per-LF class counts)``, both from the same read of each partition.
    """
    import dask

    task = dask.delayed(_part_stats_counted if counted else _part_stats, pure=True)
    shipped = dask.delayed(model, traverse=False)
    return _tree_reduce(client, model, [task(shipped, p, V.lf_names, V.cardinality, offset + o)
                                        for o, _, p in V.partitions()], _merge_counted if counted else _merge)


def dask_stream(model: Any, votes: Any, cardinality: int | None, stream: dict | None) -> dict:
    """``partial_fit``'s stream after adding the statistics of Dask ``votes``, reduced on the cluster.

    Called by :meth:`LabelModel.partial_fit <weaksup.labelmodel.base.LabelModel.partial_fit>`
    (which then refits on the client from the merged statistics, as for in-memory chunks).  Each
    partition's statistics are computed on its worker and merged in a tree of tasks, exactly as in
    :func:`fit_dask`; only the merged statistics reach the client (for the EM models: the
    distinct-row table, which ``partial_fit`` keeps in memory for any input).  ``partial_fit`` has
    matched the block's LFs to the earlier chunks' by name (:func:`~weaksup.labelmodel.base.align_lfs`).
    """
    V = as_dask_votes(votes, cardinality)
    if V.m < model.min_lfs:
        raise ValueError(f"votes has {V.m} LF column(s); this model needs at least {model.min_lfs}")
    if V.n == 0:
        raise ValueError("votes has 0 rows; partial_fit needs at least one")
    offset = stream["n"] if stream is not None else 0
    stats = _reduced_stats(get_client(), model, V, offset)
    if stream is None:
        return {"stats": stats, "n": V.n, "k": V.cardinality, "m": V.m, "lf_names": list(V.lf_names),
                "lf_placeholder": V.placeholder_names, "lf_fingerprints": tuple(V.lf_fingerprints)}
    return {**stream, "stats": model._merge_stats(stream["stats"], stats), "n": stream["n"] + V.n}


#: Dask config key: hold each partition's distinct-row table on its worker between EM iterations (True,
#: the default: fastest; worker memory grows with the distinct vote rows) or read every partition afresh
#: in every iteration (False: worker memory flat in n, each iteration re-reads the votes).
EM_HOLD_KEY = "weaksup.em-hold-patterns"


#: Why ``partial_fit`` cannot continue a model fitted by map-reduce EM (see ``LabelModel.partial_fit``).
_EM_NO_STREAM = ("it was fitted on Dask votes by map-reduce EM, which keeps each partition's distinct-row table on "
                 "its worker and never gathers the whole table")

#: Seconds a map-reduce EM fit runs before its progress bar appears (as EBCC's ``_progress_delay``): most fits end
#: long before, and a bar that flashes for a short fit is noise; ``TQDM_DISABLE=1`` or ``fit_progress(False)`` hide it.
_PROGRESS_DELAY: float = 5.0


def _em_bar(model: Any, npartitions: int, progress: bool) -> Any:
    """A progress bar over the passes of map-reduce EM (each a map over every partition and a reduce).

    Shown once the fit has run :data:`_PROGRESS_DELAY` seconds, where label-model fit bars are on
    (``progress``, from :func:`~weaksup.labelmodel.base.fit_progress_enabled`); it only counts passes, the fit is
    unchanged.
    """
    from weaksup._progress import progress_bar

    max_iter = getattr(model, "max_iter", None)
    return progress_bar(total=int(max_iter) if max_iter is not None else None,
                        desc=f"{type(model).__name__} EM on Dask ({npartitions} partitions)", unit="pass",
                        leave=False, delay=_PROGRESS_DELAY, progress=progress)


def _counted_passes(counts: Any, bar: Any) -> Any:
    """``counts(params, one_coin)`` (one EM pass over the partitions) that moves ``bar`` by one when it returns."""
    def counted(params: Any, one_coin: bool | None) -> tuple[np.ndarray, Any]:
        out = counts(params, one_coin)
        bar.update(1)
        return out  # type: ignore[no-any-return]

    return counted


def _fit_em(client: Any, model: Any, V: DaskVotes, parts: list[Any], class_balance: Any, valid: Any,
            progress: bool) -> None:
    """EM with each iteration a map (per-partition counts) and a reduce (their sum, in partition order)."""
    import dask

    shipped_model = dask.delayed(model, traverse=False)
    prior = model._em_prior(class_balance, valid)
    m, k = V.m, V.cardinality
    if not dask.config.get(EM_HOLD_KEY, True):
        count = dask.delayed(_part_lf_class_counts, pure=False)
        _checked(model, V, sum(client.gather(client.compute([count(p, V.lf_names, k, o) for o, _, p in parts]))))
        streamed = dask.delayed(_part_em_counts_streamed, pure=False)

        def counts(params: Any, one_coin: bool | None) -> tuple[np.ndarray, Any]:
            return _sum_counts(client.gather(client.compute(
                [streamed(shipped_model, p, V.lf_names, V.cardinality, o, params, prior, one_coin)
                 for o, _, p in parts])))

        with _em_bar(model, len(parts), progress) as bar:
            model._em(_counted_passes(counts, bar), class_balance, valid, prior)
        model._stream_missing = _EM_NO_STREAM
        return
    # keys of this fit's own (pure=False, hash=False): a key derived from the model and the partition would be
    # the next fit's key too, and cancelling this fit's held tables would cancel that fit's (lost dependencies)
    task = dask.delayed(_part_patterns, pure=False)
    held = client.compute([task(shipped_model, p, V.lf_names, V.cardinality, o) for o, _, p in parts])
    try:
        _checked(model, V, sum(client.gather([client.submit(_held_lf_class_counts, h, m, k, pure=False)
                                              for h in held])))
        shipped = client.scatter(model, broadcast=True, hash=False)  # fitted-shape model, sent once

        def held_counts(params: Any, one_coin: bool | None) -> tuple[np.ndarray, Any]:
            return _sum_counts(client.gather([client.submit(_part_em_counts, shipped, h, params, prior, one_coin,
                                                            pure=False) for h in held]))

        with _em_bar(model, len(parts), progress) as bar:
            model._em(_counted_passes(held_counts, bar), class_balance, valid, prior)
    finally:
        client.cancel(held)
    model._stream_missing = _EM_NO_STREAM


def _checked(model: Any, V: DaskVotes, counts: np.ndarray) -> None:
    """The fit-time checks of the EM path (:func:`check_fit_counts`, the model's one-sided-LF warning)."""
    from weaksup._validation import check_fit_counts

    check_fit_counts(counts, V.lf_names, V.n, votes_type="DaskVotes")
    if hasattr(model, "_warn_one_sided"):
        model._warn_one_sided(counts)


def _sum_counts(results: list[tuple[np.ndarray, Any]]) -> tuple[np.ndarray, Any]:
    """Sum the partitions' ``(Ny, counts)`` in partition order (counts: an array or a tuple of arrays)."""
    Ny: Any = 0.0
    total: Any = None
    for ny, cr in results:
        Ny = Ny + ny
        if total is None:
            total = cr
        elif isinstance(cr, tuple):
            total = tuple(t + c for t, c in zip(total, cr))
        else:
            total = total + cr
    return Ny, total


# -------------------------------------------------------------------- predict
def predict_proba_dask(model: Any, votes: Any) -> Any:
    """``model.predict_proba`` on Dask votes: a lazy ``n × k`` Dask array, one block per partition.

    ``votes`` have been matched to the fitted LFs by name
    (:meth:`LabelModel._check_dask_votes <weaksup.labelmodel.base.BaseVoteModel._check_dask_votes>`).
    """
    import dask
    import dask.array as da

    model._check_fitted()
    V = as_dask_votes(votes, model.cardinality_)
    if V.m != model.n_lfs_:
        raise ValueError(f"votes have {V.m} LFs; the model was fitted on {model.n_lfs_}")
    k = model.cardinality_
    task = dask.delayed(_part_predict, pure=True)
    shipped = dask.delayed(model, traverse=False)
    blocks = [da.from_delayed(task(shipped, p, V.lf_names, k, o), shape=(r, k), dtype=np.float64)
              for o, r, p in V.partitions()]
    return da.concatenate(blocks, axis=0) if blocks else da.zeros((0, k))


def predict_dask(model: Any, votes: Any, tie_break: str, *, seed: int | None) -> Any:
    """Hard labels as a lazy Dask array (the same tie-break rule, rows numbered in the whole matrix)."""
    probs = predict_proba_dask(model, votes)
    prior = getattr(model, "class_balance_", None)
    return probs.map_blocks(_part_preds, tie_break, prior, seed, drop_axis=1, dtype=np.int64)


def _small_labels(preds: np.ndarray) -> np.ndarray:
    return preds.astype(np.int16)


def score_dask(model: Any, votes: Any, y: Any, metric: str | list[str], tie_break: str, *,
               score_probs: Any, seed: int | None = None) -> Any:
    """``model.score`` on Dask votes: labels (and probabilities only if a metric reads them) computed on the
    cluster, gathered as int16 (the votes never are), scored on the client by ``score_probs`` (passed by
    :meth:`LabelModel.score <weaksup.labelmodel.base.LabelModel.score>`: this module never imports base).

    ``y`` may be an array or a Dask array of gold labels (gathered: one label a row).
    """
    import dask

    from weaksup.metrics import metric_needs_probs

    probs = predict_proba_dask(model, votes)
    if model.cardinality_ > np.iinfo(np.int16).max:
        raise ValueError(f"score on Dask votes gathers labels as int16; {model.cardinality_} classes do not fit")
    preds = predict_dask(model, votes, tie_break, seed=seed).map_blocks(_small_labels, dtype=np.int16)
    names = [metric] if isinstance(metric, str) else list(metric)
    need_probs = any(metric_needs_probs(name) for name in names)
    lazy_y = is_dask_array(y)
    got = dask.compute(preds, *([probs] if need_probs else []), *([y] if lazy_y else []))
    labels = got[0].astype(np.int64)
    p = got[1] if need_probs else None
    gold = got[-1] if lazy_y else y
    return score_probs(p, gold, metric, tie_break, n=labels.shape[0], cardinality=model.cardinality_,
                       prior=getattr(model, "class_balance_", None), preds=labels)
