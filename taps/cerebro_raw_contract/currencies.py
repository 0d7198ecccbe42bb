"""ISO 4217 currency codes in circulation (alphabetic), as listed by the maintenance agency
(SIX) in its "List One: Currency, fund and precious metal codes", 2024 edition.

Funds (e.g. CLF, the Chilean Unidad de Fomento) are included because invoices and ad
accounts can be denominated in them; the precious metals and testing codes (XAU, XTS, XXX...)
are not: no store or ad account bills in them.

The one list of the project: the tenants file's ``currency``, the data contracts' currency
columns and the CSV tap's cells are all checked against it, so a code one accepts another
never refuses.
"""

_LIST_ONE = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217_CODES: frozenset[str] = frozenset(_LIST_ONE.split())
