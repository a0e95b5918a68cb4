"""The load test's own parts (the test itself runs in `make loadtest`, not here)."""

import pytest

from borderstates.core import contract
from tools import loadtest
from tools.synthetic import write_synthetic_dataset


def test_it_refuses_to_grow_beyond_one_machine():
    for argv in (["--sessions", "51"], ["--seconds", "601"], ["--sessions", "0"]):
        with pytest.raises(SystemExit) as stop:
            loadtest.main(argv)
        assert stop.value.code == 2


def test_each_reader_gets_an_actor_of_its_own_and_the_counts_add_up(tmp_path):
    counts, total, actors = loadtest._expected_counts(write_synthetic_dataset(tmp_path / "data", 300), 20)
    assert total == 300
    assert len(actors) == len(set(actors)) == 20
    for actor in actors:
        assert sum(counts[actor, relation] for relation in contract.RELATION_TYPES) == counts[actor, ""] > 0
