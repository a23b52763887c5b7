"""Quality lines: device seconds under results, people's QC marks and the automatic QC flags on a
variant's line, the reject-reason modal, and the stats answer."""

from __future__ import annotations

from typing import Any


def compute_note(assets: list[dict[str, Any]]) -> str:
    """`` · 1.2 device-s per image on NVIDIA H200`` for the provenance line ('' when unknown)."""
    measured = [a["device_s"] for a in assets if a.get("device_s") is not None]
    if not measured:
        return ""
    kinds = sorted({a.get("device_kind") or "?" for a in assets if a.get("device_s") is not None})
    per = sum(measured) / len(measured)
    images = all((a.get("media_type") or "image/").startswith("image/") for a in assets)
    noun = "image" if images else "result"
    return f" · {per:.2f} device-s per {noun} on {', '.join(kinds)}"
