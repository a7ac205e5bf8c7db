"""The report of an LF application run (:class:`ApplyReport`), shared by the applier and the engines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["ApplyReport"]


@dataclass
class ApplyReport:
    """What an application run did, per LF.

    ``table`` has one row per LF: ``calls`` (rows evaluated now; 0 when the
    column came from the cache), ``faults`` (rows where the LF raised and
    abstained instead), ``seconds``, ``cached`` and ``first_fault`` (the error the LF raised on the
    first row it faulted on: type, message, row label and position; ``""`` if none).

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup import apply_lfs, keyword_lf
    >>> df = pd.DataFrame({"text": ["win cash now", "see you", "win big"]})
    >>> report = apply_lfs([keyword_lf("win", 1, name="win")], df, progress=False).report
    >>> report.engine, report.n_rows, report.recomputed
    ('serial', 3, ['win'])
    >>> int(report.table.loc["win", "calls"]), report.faults
    (3, {'win': 0})
    """

    engine: str
    n_rows: int
    seconds: float
    table: pd.DataFrame = field(repr=False)

    @property
    def faults(self) -> dict[str, int]:
        return dict(zip(self.table.index, self.table["faults"].astype(int)))

    @property
    def recomputed(self) -> list[str]:
        return [name for name, c in zip(self.table.index, self.table["cached"]) if not c]
