"""An in-process imitation of Banco Central de Chile's statistics API (``SieteRestWS``).

Built from the API's documentation (si3.bcentral.cl, Web_Services/doc_en.htm and index.htm):
``GET /SieteRestWS/SieteRestWS.ashx`` with ``user``, ``pass``, ``function`` (GetSeries when
absent), ``timeseries``, ``firstdate`` and ``lastdate`` (``YYYY-MM-DD``, optional: without them
the whole history). The answer is JSON with HTTP 200 whether it succeeds or not: ``Codigo`` 0
and ``Series.Obs`` (``indexDateString`` ``DD-MM-YYYY``, ``value`` as a string, ``statusCode``
``OK``), or a negative ``Codigo`` with ``Series.Obs`` null: -5 for a wrong user or password,
-50 for what it cannot answer (here, a series it does not have). A daily series lists every
calendar day of the range; a day without an observation (weekends and bank holidays for the
dólar observado) has ``statusCode`` ``ND`` and ``value`` ``NaN``. Nothing is listed after the
last day published. Faults are queued by the test; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from werkzeug import Request, Response

PATH = "/SieteRestWS/SieteRestWS.ashx"
USER, PASSWORD = "analista@tienda.cl", "s3creto-bde"
DOLAR, UF, EURO = "F073.TCO.PRE.Z.D", "F073.UFF.PRE.Z.D", "F072.CLP.EUR.N.O.D"
#: Bank holidays the fake's banking-day series skip (besides weekends).
HOLIDAYS = frozenset({dt.date(2024, 1, 1), dt.date(2024, 3, 29), dt.date(2024, 5, 1)})
FIRST_OBSERVATION = dt.date(2010, 1, 1)


@dataclass
class Fault:
    status: int
    body: str
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def bcch_error(code: int, description: str) -> dict:
    return {
        "Codigo": code,
        "Descripcion": description,
        "Series": {"descripEsp": None, "descripIng": None, "seriesId": None, "Obs": None},
        "SeriesInfos": [],
    }


def internal_error() -> Fault:
    body = bcch_error(-50, "An internal error has occurred, information is not available.")
    return Fault(200, json.dumps(body))


def bad_credentials() -> Fault:
    return Fault(200, json.dumps(bcch_error(-5, "Invalid username or password")))


def server_error() -> Fault:
    return Fault(503, "<html><body>Service Unavailable</body></html>", "text/html")


def maintenance_page() -> Fault:
    return Fault(200, "<html><body>Sitio en mantención</body></html>", "text/html")


def throttled(retry_after: str | None = None) -> Fault:
    return Fault(429, "", "text/plain", {"Retry-After": retry_after} if retry_after else {})


class FakeBcchApi:
    """Three daily series: two on banking days only (dólar, euro), the UF every day."""

    def __init__(self, last_published: str) -> None:
        self.last_published = dt.date.fromisoformat(last_published)
        self.series = {DOLAR: "banking", EURO: "banking", UF: "daily"}
        self.faults: list[Fault] = []
        self.fail_after_requests: tuple[int, Fault] | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(PATH, method="GET").respond_with_handler(self.get_series)

    # Oracle: the value of a series on a day (None: no observation that day).
    def truth(self, series_id: str, day: dt.date) -> Decimal | None:
        if self.series[series_id] == "banking" and (day.weekday() >= 5 or day in HOLIDAYS):
            return None
        if series_id == UF:
            return Decimal("36000.00") + Decimal(day.toordinal() % 900) / 10
        base = {DOLAR: Decimal("880"), EURO: Decimal("990")}[series_id]
        return base + Decimal(day.toordinal() * 37 % 9000) / 100

    def get_series(self, request: Request) -> Response:
        args = request.args
        self.requests.append(dict(args))
        if self.faults:
            return _respond(self.faults.pop(0))
        if self.fail_after_requests and len(self.requests) > self.fail_after_requests[0]:
            return _respond(self.fail_after_requests[1])
        if (args.get("user"), args.get("pass")) != (USER, PASSWORD):
            return _respond(bad_credentials())
        series_id = args.get("timeseries")
        if args.get("function", "GetSeries") != "GetSeries" or series_id not in self.series:
            return _respond(internal_error())
        first = _day(args.get("firstdate")) or FIRST_OBSERVATION
        last = min(_day(args.get("lastdate")) or self.last_published, self.last_published)
        observations = []
        day = first
        while day <= last:
            value = self.truth(series_id, day)
            observations.append(
                {
                    "indexDateString": day.strftime("%d-%m-%Y"),
                    "value": "NaN" if value is None else str(value),
                    "statusCode": "ND" if value is None else "OK",
                }
            )
            day += dt.timedelta(days=1)
        return _json(
            {
                "Codigo": 0,
                "Descripcion": "Success",
                "Series": {
                    "descripEsp": f"Serie {series_id}",
                    "descripIng": f"Series {series_id}",
                    "seriesId": series_id,
                    "Obs": observations,
                },
                "SeriesInfos": [],
            }
        )


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _json(body: dict) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def _respond(fault: Fault) -> Response:
    return Response(
        fault.body, status=fault.status, content_type=fault.content_type, headers=fault.headers
    )
