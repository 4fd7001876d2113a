"""AHP (层次分析法): weights from a manager's pairwise judgements, with Saaty's consistency check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from kit.checks import Problems, is_number
from kit.exceptions import ConfigError

#: Saaty's classic random consistency index RI by matrix size n (Saaty 1980, *The Analytic Hierarchy Process*;
#: the values in the R package AHPWR, docs/DOMAIN.md §3.4). n <= 2 has RI 0: CR is taken as 0.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
#: A pairwise matrix is accepted when CR < 0.1 (Saaty).
CR_THRESHOLD = 0.1
#: Relative tolerance for a_ij × a_ji = 1 and a_ii = 1 (0.333 for 1/3 passes).
RECIPROCAL_TOLERANCE = 0.01


def matrix_problems(a: np.ndarray, labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """Every entry that breaks a pairwise matrix's rules, as (row, column, what is wrong).

    The rules: every entry positive, a_ii = 1 and a_ij × a_ji = 1 (relative tolerance
    :data:`RECIPROCAL_TOLERANCE`). An entry that is not positive is reported alone; a broken reciprocal pair once,
    at its entry below the diagonal (the upper triangle is taken as entered).
    """
    found: list[tuple[int, int, str]] = []
    bad = ~np.isfinite(a) | (a <= 0)
    for i, j in np.argwhere(bad):
        found.append((int(i), int(j), f"every entry must be a positive number; {labels[i]} vs {labels[j]} is "
                                      f"{a[i, j]:g}."))
    if found:
        return found
    for i in np.flatnonzero(np.abs(np.diag(a) - 1) > RECIPROCAL_TOLERANCE):
        found.append((int(i), int(i), f"the diagonal must be 1 (each criterion equals itself); {labels[i]} vs "
                                      f"{labels[i]} is {a[i, i]:g}."))
    for i, j in np.argwhere(np.triu(np.abs(a * a.T - 1) > RECIPROCAL_TOLERANCE, k=1)):
        found.append((int(j), int(i), f"not reciprocal: {labels[i]} vs {labels[j]} is {a[i, j]:.4g} but "
                                      f"{labels[j]} vs {labels[i]} is {a[j, i]:.4g}; it must be 1/{a[i, j]:.4g} = "
                                      f"{1 / a[i, j]:.4g}."))
    return found


def parse_entry(value: Any, path: str, problems: Problems) -> float | None:
    """A matrix entry: a positive number or a fraction written as text ('1/5')."""
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            pass
    problems.add(path, f"expected a number or a fraction such as \"1/5\"; got {value!r}.")
    return None


class InconsistentJudgementsError(ConfigError):
    """AHP judgements with CR >= 0.1; ``result`` holds the full :class:`AhpResult` for the worksheet."""

    def __init__(self, message: str, result: "AhpResult"):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True, eq=False)
class AhpResult:
    """Result of :func:`ahp_weights`.

    Attributes
    ----------
    weights : Series
        Principal-eigenvector weights, summing to 1, indexed by label.
    lambda_max, ci, cr, ri : float
        Largest eigenvalue, CI = (λmax − n) ÷ (n − 1), CR = CI ÷ RI, and RI from :data:`RANDOM_INDEX`.
    n : int
    matrix : DataFrame
        The (exactly reciprocal) pairwise matrix with labels.
    worksheet : DataFrame
        The matrix plus ``weight``, ``weighted_sum`` (A·w) and ``ratio`` ((A·w)ᵢ ÷ wᵢ, whose mean is λmax).
    judgements : DataFrame
        One row per pair i < j: ``row``, ``column``, ``judgement`` a_ij, ``implied`` wᵢ ÷ wⱼ and ``deviation``
        (max(ε, 1/ε) with ε = a_ij·wⱼ/wᵢ), most inconsistent first (Saaty's rule for revising judgements).
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    matrix: pd.DataFrame
    worksheet: pd.DataFrame
    judgements: pd.DataFrame

    @property
    def consistent(self) -> bool:
        """True when CR < 0.1."""
        return self.cr < CR_THRESHOLD

    @property
    def summary(self) -> pd.DataFrame:
        """The consistency check as a small table: quantity, value, note."""
        verdict = "accepted (CR < 0.1)" if self.consistent else "refused (CR >= 0.1)"
        return pd.DataFrame({
            "quantity": ["n", "lambda_max", "CI", "RI", "CR", "verdict"],
            "value": [self.n, round(self.lambda_max, 4), round(self.ci, 4), self.ri, round(self.cr, 4), verdict],
            "note": ["criteria compared", "largest eigenvalue of the matrix", "(lambda_max - n) / (n - 1)",
                     "Saaty's classic random index for this n (Saaty 1980)", "CI / RI; 0 when n <= 2",
                     "Saaty: accept when CR < 0.1"],
        })


def ahp_weights(matrix: Any, labels: Sequence[str] | None = None, *,
                allow_inconsistent: bool = False) -> AhpResult:
    """AHP weights from a pairwise comparison matrix (principal eigenvector), with Saaty's consistency check.

    Parameters
    ----------
    matrix : array-like or DataFrame, n × n
        a_ij = how much more important i is than j (Saaty 1–9 scale); a_ji = 1/a_ij, a_ii = 1. Entries may be
        numbers or fractions written as text ("1/5"). A DataFrame's index gives the labels.
    labels : sequence of str, optional
        Names of the n criteria (default: the DataFrame index, else c1…cn).
    allow_inconsistent : bool
        Return the result even when CR >= 0.1.

    Returns
    -------
    AhpResult

    Raises
    ------
    ConfigError
        The matrix is not square, has entries that are not positive, breaks a_ii = 1 or a_ji = 1/a_ij
        (relative tolerance 0.01), or has more than 15 rows (no RI in Saaty's table).
    InconsistentJudgementsError
        CR >= 0.1 and not ``allow_inconsistent``; the message names the judgements furthest from the weights.
    """
    if isinstance(matrix, pd.DataFrame):
        if labels is None:
            labels = [str(x) for x in matrix.index]
            if list(map(str, matrix.columns)) != labels:
                raise ConfigError("AHP matrix: the DataFrame's columns must be its index in the same order.")
        matrix = matrix.to_numpy().tolist()
    problems = Problems("the KPI settings")
    try:
        rows = [list(r) for r in matrix]
    except TypeError:
        raise ConfigError(f"AHP matrix: expected rows of numbers; got {matrix!r}.") from None
    n = len(rows)
    if n == 0 or any(len(r) != n for r in rows):
        raise ConfigError(f"AHP matrix: must be square (n rows of n numbers); got row lengths "
                          f"{[len(r) for r in rows]}.")
    values = [[parse_entry(x, f"AHP matrix[{i}][{j}]", problems) for j, x in enumerate(r)]
              for i, r in enumerate(rows)]
    problems.raise_if_any()
    a = np.array(values, dtype=float)
    labels = [f"c{i + 1}" for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(labels) != n:
        raise ConfigError(f"AHP matrix: {n} rows but {len(labels)} labels.")
    if len(set(labels)) != n:
        raise ConfigError(f"AHP matrix: labels must be unique; got {labels}.")
    if n > max(RANDOM_INDEX):
        raise ConfigError(f"AHP matrix: {n} criteria; Saaty's RI table stops at {max(RANDOM_INDEX)}. "
                          f"Group the criteria into a hierarchy.")
    broken = matrix_problems(a, labels)
    if broken:
        raise ConfigError(f"AHP matrix: {broken[0][2]}")
    # Use the upper triangle as entered and make the lower one exactly reciprocal.
    upper = np.triu(a, k=1)
    a = upper + np.eye(n) + np.tril(1.0 / np.where(upper.T > 0, upper.T, 1.0), k=-1)

    eigenvalues, vectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ri = RANDOM_INDEX[n]
    if n <= 2:
        ci, cr, lambda_max = 0.0, 0.0, float(n)
    else:
        ci = max((lambda_max - n) / (n - 1), 0.0)
        cr = ci / ri
    weights = pd.Series(w, index=pd.Index(labels, name="criterion"), name="weight")
    frame = pd.DataFrame(a, index=pd.Index(labels, name="criterion"), columns=labels)
    aw = a @ w
    worksheet = frame.copy()
    worksheet["weight"] = w
    worksheet["weighted_sum"] = aw
    worksheet["ratio"] = aw / w
    iu, ju = np.triu_indices(n, k=1)
    implied = w[iu] / w[ju]
    eps = a[iu, ju] / implied
    judgements = pd.DataFrame({
        "row": [labels[i] for i in iu], "column": [labels[j] for j in ju], "judgement": a[iu, ju],
        "implied": implied, "deviation": np.maximum(eps, 1 / eps),
    }).sort_values("deviation", ascending=False, kind="stable").reset_index(drop=True)
    result = AhpResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, ri=ri, n=n, matrix=frame,
                       worksheet=worksheet, judgements=judgements)
    if not result.consistent and not allow_inconsistent:
        worst = "; ".join(f"{r.row} vs {r.column} judged {_fmt_judgement(r.judgement)} but the weights imply "
                          f"{r.implied:.2f} ({r.deviation:.1f}× off)" for r in judgements.head(3).itertuples())
        raise InconsistentJudgementsError(
            f"AHP judgements are too inconsistent: CR = {cr:.3f} >= {CR_THRESHOLD} (lambda_max = {lambda_max:.3f}, "
            f"n = {n}, CI = {ci:.3f}, RI = {ri} from Saaty's classic table). Furthest from the weights they imply: "
            f"{worst}. Revise these judgements, or pass allow_inconsistent=True.", result)
    return result


def _fmt_judgement(value: float) -> str:
    if value >= 1:
        return f"{value:g}"
    inverse = 1 / value
    return f"1/{inverse:.0f}" if abs(inverse - round(inverse)) < 1e-6 else f"{value:.3g}"
