"""The Customer Match tests reuse the Google OAuth token endpoint imitation of the taps' tests
(tests/taps/fake_google_oauth.py), one definition for both."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "taps"))
