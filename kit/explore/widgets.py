"""The few widget pieces every what-if shares: a labelled slider and a live output area."""

from __future__ import annotations

from typing import Any, Callable


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - the lab extra is part of `make` installs
        raise ImportError("the what-ifs need ipywidgets: pip install 'dealer-kit[lab]'") from exc
    return ipywidgets


def slider(description: str, value: float, low: float, high: float, step: float, *, percent: bool = False):
    """A float slider wide enough for its label; ``percent`` shows 0.95 as 95%."""
    w = _ipywidgets()
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         readout_format=".0%" if percent else ".2f", continuous_update=False,
                         style={"description_width": "initial"}, layout=w.Layout(width="420px"))


def live(controls: dict[str, Any], render: Callable[..., Any]):
    """A box of ``controls`` above an output that shows ``render(**values)`` again whenever a control changes."""
    w = _ipywidgets()
    from IPython.display import display

    out = w.Output()

    def refresh(*_: Any) -> None:
        out.clear_output(wait=True)
        with out:
            display(render(**{name: c.value for name, c in controls.items()}))

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return w.VBox([*controls.values(), out])
