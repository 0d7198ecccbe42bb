"""Facts about lifetimes' CDNOW sample shared by the tests (not fixtures)."""

#: CDNOW's calibration period ends here (Fader, Hardie & Lee 2005: 39 weeks from 1997-01-01).
CDNOW_CUTOFF = "1997-09-30"

#: Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 5 (weeks).
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
#: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (repeat buyers' mean spend).
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
#: Relative tolerance against the published values (they are given to 3 or 4 digits).
TOLERANCE = 0.005
