"""Every script under benchmarks/ loads: its imports name what the modules it builds on still define.

The scripts run only by hand or through benchmarks/run_all.py, so an import a refactor broke would
otherwise go unseen until the next measurement. Loading runs each module's top level, not its main().
"""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


class TestBenchmarkScripts:
    def test_the_directory_has_scripts(self) -> None:
        assert len(SCRIPTS) > 10

    @pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.name)
    def test_each_script_loads(self, script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # The scripts import their siblings by bare name, as they do when run from the directory.
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        for name in [name for name in sys.modules if (BENCHMARKS / f"{name}.py").exists()]:
            monkeypatch.delitem(sys.modules, name)
        spec = importlib.util.spec_from_file_location(f"benchmark_{script.stem}", script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(getattr(module, "main", None)) or script.stem in {"common", "loadgen", "ceiling_app"}
