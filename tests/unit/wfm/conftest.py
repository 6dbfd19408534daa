"""Shared fixtures of the WFM unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.wfm.test_curtois import TINY

from helpline.wfm.schedule.curtois.ros_format import Instance, load_ros


@pytest.fixture
def tiny(tmp_path: Path) -> Instance:
    """The hand-solved Curtois instance of ``test_curtois`` (optimum 203)."""
    path = tmp_path / "Tiny.ros"
    path.write_text(TINY, encoding="utf-8")
    return load_ros(path)
