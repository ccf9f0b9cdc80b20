"""Several charts from one ``dot`` process: each SVG the same bytes as drawn alone.

The expected bytes are Graphviz's own, from one ``dot`` run per source
(:func:`run_dot`); a source ``dot`` refuses makes the joint run fail, and then each
source is drawn alone, so the error is the one that source gives by itself.
"""

from __future__ import annotations

import pytest
from test_charts import reader, source  # noqa: F401

from orgsim.charts import ChartOptions, run_dot
from orgsim.charts.render import run_dot_svgs
from orgsim.charts.tree import ChartError
from orgsim.store.branches import BranchReader


def sources(reader: BranchReader) -> list[str]:  # noqa: F811
    return [
        source(reader, "base"),
        source(reader, "option"),
        source(reader, "option", ChartOptions(layout="naive")),
        "digraph orgchart { a [label=<<B>one</B>>]; a -> b }",
    ]


def test_many_sources_in_one_run_give_each_its_own_bytes(reader: BranchReader) -> None:  # noqa: F811
    texts = sources(reader)
    alone = [run_dot(text, "svg") for text in texts]
    together = run_dot_svgs(texts)
    assert together == alone
    assert len(set(together)) == len(texts)
    assert run_dot_svgs(texts[:1]) == alone[:1] and run_dot_svgs([]) == []


def test_a_source_dot_refuses_gives_its_own_error(reader: BranchReader) -> None:  # noqa: F811
    texts = [*sources(reader)[:2], "digraph orgchart { a -> }"]
    with pytest.raises(ChartError) as joint:
        run_dot_svgs(texts)
    with pytest.raises(ChartError) as alone:
        run_dot(texts[2], "svg")
    assert str(joint.value) == str(alone.value)
