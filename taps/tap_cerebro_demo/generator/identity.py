"""Who the customers are: names, contact details and Chilean RUTs.

RUTs are formatted the ways Chilean customers type them (with or without dots,
without the hyphen, lowercase k) and some are wrong or missing, because that is
what a store receives and what the RUT validation KPI measures.
"""

from __future__ import annotations

import numpy as np

FIRST_NAMES = (
    "Camila",
    "Valentina",
    "Javiera",
    "Francisca",
    "Catalina",
    "Constanza",
    "Fernanda",
    "Antonia",
    "Isidora",
    "Daniela",
    "Sofía",
    "Martina",
    "Josefa",
    "Florencia",
    "Carolina",
    "Matías",
    "Benjamín",
    "Vicente",
    "Martín",
    "Sebastián",
    "Diego",
    "Nicolás",
    "Joaquín",
    "Felipe",
    "Tomás",
    "Cristóbal",
    "Ignacio",
    "Gonzalo",
    "Rodrigo",
    "Andrés",
    "Lucía",
    "Rosa",
    "Luis",
    "Jorge",
    "Carmen",
    "Patricio",
)
LAST_NAMES = (
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Fernández",
    "Quispe",
    "Huamán",
    "Mamani",
    "Chávez",
    "Ramírez",
    "Vargas",
)
_ASCII = str.maketrans("áéíóúñü", "aeiounu")
_CHECK_DIGITS = "0123456789K"


def rut_check_digit(body: int) -> str:
    """Modulo-11 check digit of a RUT body (weights 2..7 from the right)."""
    total, weight = 0, 2
    while body:
        total += (body % 10) * weight
        body //= 10
        weight = 2 if weight == 7 else weight + 1
    digit = 11 - total % 11
    return {11: "0", 10: "K"}.get(digit, str(digit))


def format_rut(body: int, check_digit: str, style: str) -> str:
    """The same RUT as customers type it: dotted, plain, no hyphen, lowercase k."""
    if style == "dotted":
        return f"{body:,}".replace(",", ".") + f"-{check_digit}"
    if style == "no_hyphen":
        return f"{body}{check_digit}"
    if style == "lowercase":
        return f"{body}-{check_digit.lower()}"
    if style == "spaced":
        return f" {body}-{check_digit} "
    return f"{body}-{check_digit}"


def draw_ruts(rng: np.random.Generator, n: int) -> tuple[list[str | None], np.ndarray]:
    """RUTs for ``n`` customers and whether each is valid: 85 % valid, 7 % wrong, 8 % missing."""
    kind = rng.choice(["valid", "wrong", "missing"], size=n, p=[0.85, 0.07, 0.08])
    bodies = rng.integers(5_000_000, 26_000_000, size=n)
    styles = rng.choice(
        ["dotted", "plain", "no_hyphen", "lowercase", "spaced"],
        size=n,
        p=[0.45, 0.3, 0.12, 0.08, 0.05],
    )
    ruts: list[str | None] = []
    for k, body, style in zip(kind, bodies, styles, strict=True):
        if k == "missing":
            ruts.append(None if rng.random() < 0.7 else "")
            continue
        digit = rut_check_digit(int(body))
        if k == "wrong":  # any other of the 11 possible check digits
            digit = _CHECK_DIGITS[(_CHECK_DIGITS.index(digit) + rng.integers(1, 11)) % 11]
        ruts.append(format_rut(int(body), digit, str(style)))
    return ruts, kind == "valid"


def _ascii(name: str) -> str:
    return name.lower().translate(_ASCII)


def draw_people(
    rng: np.random.Generator, ids: np.ndarray, email_domain: str, phone_prefix: str
) -> dict[str, list]:
    """Names, unique e-mails (reserved example domains) and mobile phones (75 % present)."""
    n = len(ids)
    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    emails = [
        f"{_ascii(f)}.{_ascii(la)}.{i % 1_000_000_000}@{email_domain}"
        for f, la, i in zip(first, last, ids, strict=True)
    ]
    numbers = rng.integers(10_000_000, 99_999_999, size=n)
    has_phone = rng.random(n) < 0.75
    phones = [
        f"{phone_prefix}{num}" if ok else None for num, ok in zip(numbers, has_phone, strict=True)
    ]
    return {"first_name": list(first), "last_name": list(last), "email": emails, "phone": phones}
