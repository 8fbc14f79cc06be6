"""Draw a python-statemachine chart as a Mermaid ``stateDiagram-v2``.

Graphviz is not a dependency of the core, so the docs embed Mermaid generated from the chart
itself; a test keeps the diagram in ``docs/orders.md`` equal to :func:`mermaid` output.
"""

from __future__ import annotations

from statemachine import StateChart

__all__ = ["mermaid"]


def mermaid(chart: type[StateChart]) -> str:  # type: ignore[type-arg]
    """The chart's states and transitions, guards in brackets (``!g`` is "unless g").

    Self-transitions are drawn as loops; transitions come in the chart's declaration order.
    """
    lines = ["stateDiagram-v2"]
    for state in chart.states:
        if state.initial:
            lines.append(f"    [*] --> {state.value}")
    for state in chart.states:
        for transition in state.transitions:
            label = str(transition.event)
            guards = [str(c) for c in transition.cond]
            if guards:
                label += f" [{' and '.join(guards)}]"
            lines.append(f"    {state.value} --> {transition.target.value}: {label}")
    for state in chart.states:
        if state.final:
            lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"
