"""The kit's classifier and the metrics that judge it, shared by lead scoring and the at-risk list.

=============== ==========================================================================================
module          concern
=============== ==========================================================================================
``classifier``  :class:`TabularClassifier`: fit, predict, explain
``design``      how a table is read: column kinds, missing values, category levels, spline terms
``candidates``  the logistic and gradient-boosting candidates, their grids and inner cross-validation
``calibration`` Platt and isotonic calibration of the chosen candidate
``metrics``     :func:`ranking_metrics`, :func:`top_share_capture`, :func:`gains_table`,
                :func:`calibration_table`, :func:`time_split`
=============== ==========================================================================================

Names are loaded on first use, so ``import kit.models`` does not import scikit-learn.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["calibration", "candidates", "classifier", "design", "metrics"],
    submod_attrs={
        "classifier": ["CALIBRATIONS", "CANDIDATES", "SCORINGS", "TabularClassifier"],
        "metrics": ["calibration_table", "gains_table", "ranking_metrics", "time_split", "top_share_capture"],
    },
)
