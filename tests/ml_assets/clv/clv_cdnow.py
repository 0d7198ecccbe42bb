"""Facts about lifetimes' CDNOW sample shared by the tests (not fixtures)."""

#: CDNOW's calibration period ends here (Fader, Hardie & Lee 2005: 39 weeks from 1997-01-01).
CDNOW_CUTOFF = "1997-09-30"
