"""How long `locum --help` and `locum --version` take, from exec to exit, against `python -c pass` (the
interpreter's own start-up) in the same run. Goal: both under 0.3 s.

Each command runs RUNS times as a subprocess of this interpreter (`python -m locum …`, the same
imports as the `locum` script), interleaved with the baseline so load on the machine hits all alike.
Prints the median of each, absolute and as a ratio to the baseline.
"""

import argparse
import statistics
import subprocess
import sys
import time

RUNS = 21
GOAL_SECONDS = 0.3
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "locum --help": [sys.executable, "-m", "locum", "--help"],
    "locum --version": [sys.executable, "-m", "locum", "--version"],
}


def seconds_to_run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=RUNS)
    arguments = parser.parse_args()
    # Once each first: bytecode compiled and files in the page cache before anything is timed.
    for command in COMMANDS.values():
        seconds_to_run(command)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(arguments.runs):
        for name, command in COMMANDS.items():
            samples[name].append(seconds_to_run(command))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    baseline = medians["python -c pass"]
    for name, median in medians.items():
        verdict = "" if name == "python -c pass" else ("  ok" if median < GOAL_SECONDS else "  OVER GOAL")
        print(f"{name:17} median {median * 1000:6.1f} ms  ({median / baseline:4.1f}x python -c pass){verdict}")


if __name__ == "__main__":
    main()
