"""A dbt command for the Spark side of Cerebro, and its failure as one line.

Used by ``cerebro spark build`` (``build.py``) and by the platform on Spark (``serving.py``):
the command's output is appended to a log file, and a failure becomes a ``SparkBuildError``
naming the step, dbt's first error and that log.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cerebro.settings import DBT_PROJECT_DIR, console_script
from cerebro.warehouse import SparkBuildError

#: dbt's heading of a failed node ("Runtime Error in seed x (path)"), or of a failure before
#: any node ran ("Compilation Error", "Encountered an error").
_DBT_ERROR = re.compile(r"^(?:\w+ Error in \w+ .*|Compilation Error\b.*|Encountered an error.*)$")
_TIME = re.compile(r"^\d\d:\d\d:\d\d\s+")


def run_dbt(
    step: str, arguments: list[str], env: dict[str, str], log: Path, target: str | None = None
) -> None:
    """``dbt <arguments>`` on the profile's ``target`` (default: the one ``env`` chooses, Spark
    in process or through Spark Connect), its output appended to ``log``."""
    command = [console_script("dbt"), *arguments, "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR),
               *(["--target", target] if target else [])]  # fmt: skip
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        finished = subprocess.run(
            command, cwd=DBT_PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if finished.returncode != 0:
        engine = target or "Spark"
        raise SparkBuildError(f"{step} failed on {engine}: {first_error(log)} (log: {log})")


def first_error(log: Path) -> str:
    """dbt's first failure in the last command of ``log``: the node, then the first line of
    the engine's message (Spark's own JSON log lines are skipped)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("$ "))
    lines = [_TIME.sub("", line).strip() for line in lines[start:]]
    for i, line in enumerate(lines):
        if _DBT_ERROR.match(line):
            message = next(
                (m for m in lines[i + 1 :] if m and not m.startswith("{") and m != _kind(line)),
                "",
            )
            return f"{line}: {message}"[:400] if message else line[:400]
    return "dbt exited with an error"


def _kind(line: str) -> str:
    """``Runtime Error`` of ``Runtime Error in seed x``: dbt repeats it on the next line."""
    return line.split(" in ", 1)[0]
