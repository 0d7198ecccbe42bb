"""Demo tenant profiles: the ground truth the generator simulates from.

Every number here is a *true* parameter that the models must later recover:
BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013) per
acquisition channel, and per paid channel the media response (geometric
adstock + Hill saturation, Jin et al. 2017). Rates are per day; money is in the
tenant's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .exchange_rates import RateSeries
from .experiments import GeoHoldout


@dataclass(frozen=True)
class MediaResponse:
    """How a paid channel's daily spend turns into new customers.

    new_customers(d) ~ Poisson(beta * hill(adstock(spend)(d))), where adstock is
    the normalized geometric carry-over of Jin et al. (2017), eq. 1, and hill is
    their eq. 4 with half-saturation ``half_saturation_ratio * typical spend``.
    """

    cac: float  # typical spend per acquired customer, in currency units
    adstock_decay: float
    adstock_max_lag: int
    half_saturation_ratio: float
    hill_shape: float
    platform: str  # which ad-spend stream reports it: meta_ads, google_ads, tiktok


@dataclass(frozen=True)
class Touchpoint:
    """The marketing trail a channel leaves on a signup or an order."""

    utm_sources: tuple[str, ...] = ()
    utm_medium: str | None = None
    referring_sites: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelProfile:
    group: str  # channel group label, as in KPIS.md
    share: float  # share of acquired customers
    touchpoint: Touchpoint
    conversion_rate: float  # share of signups that ever place a first order
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    v: float
    media: MediaResponse | None = None

    @property
    def is_paid(self) -> bool:
        return self.media is not None


@dataclass(frozen=True)
class Service:
    product_id: str
    title: str
    sku_prefix: str
    popularity: float
    variants: tuple[str, ...]

    def sku(self, variant: str) -> str:
        """The SKU of one of the service's variants, as its order lines and costs name it."""
        return f"{self.sku_prefix}-{variant[:3].upper()}"


@dataclass(frozen=True)
class Place:
    comuna: str
    province: str
    province_code: str
    weight: float


@dataclass(frozen=True)
class TenantProfile:
    name: str
    country_code: str
    currency: str
    currency_decimals: int
    tax_rate: float  # included in prices (IVA / IGV)
    visit_fee: float  # the "shipping" line of a services order
    email_domain: str
    phone_prefix: str
    site_url: str
    has_rut: bool
    price_unit: float  # local currency units per CLP-equivalent, to price one behaviour anywhere
    channels: tuple[ChannelProfile, ...]
    services: tuple[Service, ...]
    gateways: dict[str, float]
    places: tuple[Place, ...]
    search_clicks_per_customer: float  # organic clicks needed per SEO signup
    id_base: int  # keeps every id unique across tenants, as Shopify's are
    commercial_events: tuple[str, ...] = field(default=())
    # An experiment the store ran, read out as a lift test for the budget brain.
    geo_holdout: GeoHoldout | None = None
    # The exchange-rate series the store lands (exchange_rates.py): an ad account of the demo
    # may bill in its base currency (``DemoSettings.billed_in``).
    exchange_rates: RateSeries | None = None


def _services_cl() -> tuple[Service, ...]:
    return (
        Service("8101", "Limpieza de hogar", "LIM-HOG", 30, ("3 horas", "4 horas", "6 horas")),
        Service("8102", "Limpieza profunda", "LIM-PRO", 10, ("Depto 1D", "Depto 2D", "Casa")),
        Service("8103", "Gasfitería", "GAS", 12, ("Visita", "Reparación")),
        Service("8104", "Electricidad", "ELE", 11, ("Visita", "Instalación")),
        Service("8105", "Jardinería", "JAR", 8, ("Mantención", "Poda")),
        Service("8106", "Mudanza", "MUD", 4, ("Pequeña", "Mediana", "Grande")),
        Service("8107", "Pintura", "PIN", 5, ("Una pieza", "Departamento")),
        Service("8108", "Armado de muebles", "ARM", 7, ("1 mueble", "3 muebles")),
        Service("8109", "Lavado de alfombras", "ALF", 6, ("Sillón", "Alfombra")),
        Service("8110", "Control de plagas", "PLA", 4, ("Departamento", "Casa")),
        Service("8111", "Cerrajería", "CER", 3, ("Apertura", "Cambio de chapa")),
    )


def _places_cl() -> tuple[Place, ...]:
    rm, rm_code = "Santiago Metropolitan", "RM"
    return (
        Place("Santiago", rm, rm_code, 9),
        Place("Providencia", rm, rm_code, 8),
        Place("Las Condes", rm, rm_code, 9),
        Place("Ñuñoa", rm, rm_code, 8),
        Place("Vitacura", rm, rm_code, 4),
        Place("Lo Barnechea", rm, rm_code, 3),
        Place("La Florida", rm, rm_code, 6),
        Place("Maipú", rm, rm_code, 6),
        Place("Puente Alto", rm, rm_code, 5),
        Place("Peñalolén", rm, rm_code, 4),
        Place("La Reina", rm, rm_code, 3),
        Place("Macul", rm, rm_code, 3),
        Place("San Miguel", rm, rm_code, 3),
        Place("Estación Central", rm, rm_code, 2),
        Place("Huechuraba", rm, rm_code, 2),
        Place("Colina", rm, rm_code, 2),
        Place("Viña del Mar", "Valparaíso", "VS", 5),
        Place("Valparaíso", "Valparaíso", "VS", 3),
        Place("Concón", "Valparaíso", "VS", 2),
        Place("Concepción", "Biobío", "BI", 3),
        Place("Talcahuano", "Biobío", "BI", 1),
        Place("La Serena", "Coquimbo", "CO", 2),
        Place("Coquimbo", "Coquimbo", "CO", 1),
        Place("Antofagasta", "Antofagasta", "AN", 2),
        Place("Rancagua", "Libertador General Bernardo O'Higgins", "LI", 1.5),
        Place("Temuco", "Araucanía", "AR", 1.5),
        Place("Puerto Montt", "Los Lagos", "LL", 1),
        Place("Talca", "Maule", "ML", 1),
    )


def _places_pe() -> tuple[Place, ...]:
    lima, lima_code = "Lima", "LMA"
    return (
        Place("Miraflores", lima, lima_code, 9),
        Place("San Isidro", lima, lima_code, 7),
        Place("Santiago de Surco", lima, lima_code, 9),
        Place("San Borja", lima, lima_code, 6),
        Place("La Molina", lima, lima_code, 5),
        Place("Barranco", lima, lima_code, 3),
        Place("Jesús María", lima, lima_code, 4),
        Place("Lince", lima, lima_code, 3),
        Place("Magdalena del Mar", lima, lima_code, 3),
        Place("Pueblo Libre", lima, lima_code, 3),
        Place("San Miguel", lima, lima_code, 4),
        Place("Chorrillos", lima, lima_code, 3),
        Place("Los Olivos", lima, lima_code, 3),
        Place("Callao", "Callao", "CAL", 2),
        Place("Arequipa", "Arequipa", "ARE", 3),
        Place("Trujillo", "La Libertad", "LAL", 2),
        Place("Piura", "Piura", "PIU", 1),
    )


def _channels(price_unit: float) -> tuple[ChannelProfile, ...]:
    """Channels of a home-services marketplace that buys most of its growth.

    Mean order value is p*v/(q-1) = 2v: about 32 000-55 000 CLP per order. Most
    customers book once or twice a year (a plumber, a move, a deep clean) and a
    few every few weeks (home cleaning): purchase rates are very heterogeneous
    (r well below 1), and after each repeat booking 30-60 % stop (E[p] =
    a / (a + b)). So the first order is much of a customer's first-year value:
    a signup is worth about 22 000 (TikTok Ads) to 100 000 CLP (Referido) over 12
    months, 1.9 to 4.2 times what the paid channels pay per signup (``cac``).
    One scaling for every channel (mean rates r / alpha keep their ratios) keeps
    the channels in their order of value: Referido and Google Ads first, TikTok
    Ads last. ``price_unit`` converts Gamma-Gamma's v and the
    acquisition cost to the tenant's currency, so one set of behavioural truths
    serves every tenant.
    """
    meta = Touchpoint(("facebook", "instagram", "fb", "ig"), "paid_social")
    google = Touchpoint(("google",), "cpc")
    tiktok = Touchpoint(("tiktok",), "paid_social")
    seo = Touchpoint(referring_sites=("https://www.google.com/", "https://www.bing.com/"))
    email = Touchpoint(("newsletter", "klaviyo"), "email")
    referral = Touchpoint(("partner_blog", "comparador"), "referral")
    return (
        ChannelProfile(
            "Google Ads",
            0.30,
            google,
            0.72,
            r=0.43,
            alpha=60.0,
            a=0.8,
            b=1.5,
            p=6.0,
            q=4.0,
            v=27_500 * price_unit,
            media=MediaResponse(22_000 * price_unit, 0.45, 13, 1.1, 1.4, "google_ads"),
        ),
        ChannelProfile(
            "Meta Ads",
            0.27,
            meta,
            0.62,
            r=0.3,
            alpha=68.0,
            a=1.0,
            b=1.0,
            p=6.0,
            q=4.0,
            v=20_000 * price_unit,
            media=MediaResponse(16_000 * price_unit, 0.6, 13, 0.9, 1.8, "meta_ads"),
        ),
        ChannelProfile(
            "TikTok Ads",
            0.19,
            tiktok,
            0.5,
            r=0.2,
            alpha=80.0,
            a=1.2,
            b=0.75,
            p=6.0,
            q=4.0,
            v=16_000 * price_unit,
            media=MediaResponse(12_000 * price_unit, 0.3, 13, 1.3, 1.2, "tiktok"),
        ),
        ChannelProfile(
            "SEO / Orgánico",
            0.12,
            seo,
            0.68,
            r=0.33,
            alpha=60.0,
            a=0.7,
            b=1.25,
            p=6.0,
            q=4.0,
            v=22_500 * price_unit,
        ),
        ChannelProfile(
            "Directo",
            0.06,
            Touchpoint(),
            0.7,
            r=0.33,
            alpha=64.0,
            a=0.9,
            b=1.25,
            p=6.0,
            q=4.0,
            v=22_500 * price_unit,
        ),
        ChannelProfile(
            "Email",
            0.025,
            email,
            0.65,
            r=0.37,
            alpha=60.0,
            a=0.8,
            b=1.25,
            p=6.0,
            q=4.0,
            v=21_000 * price_unit,
        ),
        ChannelProfile(
            "Referido",
            0.035,
            referral,
            0.75,
            r=0.43,
            alpha=52.0,
            a=0.6,
            b=1.5,
            p=6.0,
            q=4.0,
            v=25_000 * price_unit,
        ),
    )


PROFILES: dict[str, TenantProfile] = {
    "cl_services": TenantProfile(
        name="cl_services",
        country_code="CL",
        currency="CLP",
        currency_decimals=0,
        tax_rate=0.19,
        visit_fee=2_990,
        email_domain="example.cl",
        phone_prefix="+569",
        site_url="sc-domain:casafacil.example.cl",
        has_rut=True,
        price_unit=1.0,
        channels=_channels(price_unit=1.0),
        services=_services_cl(),
        gateways={
            "webpay_plus": 0.45,
            "mercado_pago": 0.25,
            "bank_transfer": 0.12,
            "khipu": 0.10,
            "flow": 0.08,
        },
        places=_places_cl(),
        search_clicks_per_customer=40.0,
        id_base=6_100_000_000_000,
        commercial_events=("CyberDay", "CyberMonday", "Black Friday", "Día de la Madre"),
        # Search is bought always on: the channel whose effect the baseline can absorb, so the
        # one worth an experiment (six weeks dark in half of the regions, ending in August
        # for a history that ends in November).
        geo_holdout=GeoHoldout("google_ads", days=42, ends_days_before_end=90),
        # Chilean teams pay Meta in US dollars: the store lands Banco Central de Chile's dólar
        # observado to convert an account billed in them (decision 0061; casafacil_cl's Meta).
        exchange_rates=RateSeries(
            series_id="F073.TCO.PRE.Z.D",
            base_currency="USD",
            level=940.0,
            daily_volatility=0.004,
        ),
    ),
    "pe_services": TenantProfile(
        name="pe_services",
        country_code="PE",
        currency="PEN",
        currency_decimals=2,
        tax_rate=0.18,
        visit_fee=9.9,
        email_domain="example.pe",
        phone_prefix="+519",
        site_url="sc-domain:casafacil.example.pe",
        has_rut=False,
        price_unit=1 / 250,  # 1 PEN is roughly 250 CLP
        channels=_channels(price_unit=1 / 250),
        services=_services_cl(),
        gateways={
            "niubiz": 0.40,
            "yape": 0.25,
            "mercado_pago": 0.15,
            "pagoefectivo": 0.12,
            "bank_transfer": 0.08,
        },
        places=_places_pe(),
        search_clicks_per_customer=35.0,
        id_base=6_200_000_000_000,
        commercial_events=("CyberWow", "Black Friday", "Día de la Madre"),
    ),
}
