"""Bad inputs of `cerebro clv`."""

from bad_input_catalogue import Case

CLV = ("clv", "--customer-column", "cliente", "--date-column", "fecha",
       "--amount-column", "monto", "--cutoff", "2024-06-30")  # fmt: skip

CASES = [
    Case(
        "clv: empty CSV",
        "error",
        (*CLV, "--transactions", "{dir}/t.csv", "--out", "{dir}/out.csv"),
        message=r"t\.csv.*empty",
        files={"t.csv": ""},
    ),
]
