"""gunicorn.conf.py, the settings `make run` and the benchmarks serve with."""
import gc
import runpy
from pathlib import Path

SETTINGS = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_keeps_what_it_loaded_out_of_the_full_collections():
    settings = runpy.run_path(str(SETTINGS))
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
