"""The churn radar of each purchase model against the demo's truth (not a test).

    make bench-radar

Both demo tenants as ``cerebro/tenants.yml`` ships them (casafacil_cl: cl_services, 9 500
signups, seed 42; casafacil_pe: pe_services, 3 800, seed 7) and the same profiles on seeds no
one developed on. For each: BG/NBD and the tenant's own choice (``auto``), graded by
``churn_radar.grade``. Then customers of the textbook processes (BG/NBD, MBG/NBD, Pareto/NBD with
their published CDNOW fits; stores of three sizes, seeds no one developed on): each model
and the choice, graded against who is alive at the end.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.churn_radar import RadarGrade, demo_settings, grade_demo, grade_process
from benchmarks.textbook_customers import PROCESSES

SHIPPED = (("cl_services", 9_500, 42), ("pe_services", 3_800, 7))
HELD_OUT_SEEDS = (2027, 3031)
TEXTBOOK_SEEDS = (6101, 6102, 6103)
TEXTBOOK_STORES = (1_000, 5_000, 20_000)
TEXTBOOK_DAYS = 540
HEADER = (
    f"{'model':16} {'buyers':>6} {'gone':>5} {'said':>5} {'flagged':>7} "
    f"{'precision':>9} {'recall':>6} {'AUC':>5} {'AUC 1x':>6} {'list P':>6}"
)


def score(value: float | None) -> str:
    """A grade with three decimals, or a dash where it is undefined (an AUC among one-time
    buyers when none of them is gone)."""
    return "—" if value is None else f"{value:.3f}"


def row(g: RadarGrade) -> str:
    return (
        f"{g.purchase_model:16} {g.customers:>6} {g.gone_share:>5.1%} {g.said_gone_share:>5.1%} "
        f"{g.flagged:>7} {score(g.precision):>9} {score(g.recall):>6} {score(g.auc):>5} "
        f"{score(g.one_time_auc):>6} {score(g.list_precision):>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="held-out seeds to add")
    args = parser.parse_args()
    held_out = tuple(args.seed or HELD_OUT_SEEDS)
    runs = [*SHIPPED, *((p, n, s) for p, n, _ in SHIPPED for s in held_out)]
    print(f"{'profile':12} {'seed':>5} {HEADER}")
    for profile, customers, seed in runs:
        started = time.perf_counter()
        for g in grade_demo(demo_settings(profile, customers, seed)):
            print(f"{profile:12} {seed:>5} {row(g)}")
        print(f"{'':12} {'':>5} ({time.perf_counter() - started:.1f} s)")
    print(f"\n{'process':10} {'store':>6} {'seed':>5} {HEADER}")
    for process in PROCESSES:
        for customers in TEXTBOOK_STORES:
            for seed in TEXTBOOK_SEEDS:
                for g in grade_process(process, seed, customers, TEXTBOOK_DAYS):
                    print(f"{process:10} {customers:>6} {seed:>5} {row(g)}")


if __name__ == "__main__":
    main()
