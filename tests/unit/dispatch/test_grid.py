"""GridIndex: the spatial index contract, and what is the grid's own (its cell size)."""

from __future__ import annotations

import pytest

from booking_core.dispatch import GridIndex
from booking_core.errors import InvalidInput
from booking_core.testing.contracts import SpatialIndexContract


class TestGridIndex(SpatialIndexContract):
    @pytest.fixture(params=[0.5, 2.0], ids=["cells_0.5km", "cells_2km"])
    def index(self, request: pytest.FixtureRequest) -> GridIndex:
        return GridIndex(request.param)


@pytest.mark.parametrize("cell", [0, -1.0, 1000.0, "2"])
def test_a_cell_is_a_positive_size(cell: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        GridIndex(cell)  # type: ignore[arg-type]

    assert raised.value.details == {"field": "cell_km"}
