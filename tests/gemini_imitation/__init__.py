"""A local imitation of the Gemini API's generateContent for image output (see server.py)."""

from tests.gemini_imitation.server import GeminiImitation

__all__ = ["GeminiImitation"]
