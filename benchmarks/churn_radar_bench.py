"""The churn radar of each purchase model against the demo's truth (not a test).

    make bench-radar

Both demo tenants as ``cerebro/tenants.yml`` ships them (casafacil_cl: cl_services, 9 500
signups, seed 42; casafacil_pe: pe_services, 3 800, seed 7) and the same profiles on seeds no
one developed on. For each: BG/NBD and the tenant's own choice (``auto``), graded by
``churn_radar.grade``.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.churn_radar import demo_settings, grade_demo

SHIPPED = (("cl_services", 9_500, 42), ("pe_services", 3_800, 7))
HELD_OUT_SEEDS = (2027, 3031)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="held-out seeds to add")
    args = parser.parse_args()
    held_out = tuple(args.seed or HELD_OUT_SEEDS)
    runs = [*SHIPPED, *((p, n, s) for p, n, _ in SHIPPED for s in held_out)]
    print(
        f"{'profile':12} {'seed':>5} {'model':16} {'buyers':>6} {'gone':>5} {'flagged':>7} "
        f"{'precision':>9} {'recall':>6} {'AUC':>5} {'AUC 1x':>6} {'list P':>6}"
    )
    for profile, customers, seed in runs:
        started = time.perf_counter()
        for g in grade_demo(demo_settings(profile, customers, seed)):
            print(
                f"{profile:12} {seed:>5} {g.purchase_model:16} {g.customers:>6} "
                f"{g.gone_share:>5.1%} {g.flagged:>7} {g.precision:>9.3f} {g.recall:>6.3f} "
                f"{g.auc:>5.3f} {g.one_time_auc:>6.3f} {g.list_precision:>6.3f}"
            )
        print(f"{'':12} {'':>5} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
