"""Automatic QC flags, raised once per image when its job's results are first shown.

Cheap checks on the CPU, no model: a near-duplicate of a sibling variant (a 64-bit DCT
perceptual hash, Hamming distance), a blank or flat image (variance of the Laplacian: almost no
detail), clipped highlights or shadows (a large share of pixels at the ends of the range), and
off-palette (the channel palette's ΔE00 check, bot.brand.palette). Every flag that fires is
stored with what was measured and the threshold it crossed, and every checked asset is marked
checked, so a flag's precision against people's marks can be computed later (bot.quality.stats).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bot.brand.palette import palette_report
from bot.brand.palette_store import get_palette
from bot.quality.flag_words import (
    CLIPPED_HIGHLIGHTS,
    CLIPPED_SHADOWS,
    FLAT,
    NEAR_DUPLICATE,
    OFF_PALETTE,
)
from bot.store.assets import load_asset_image
from bot.store.database import Store

HASH_SIDE = 32  # the DCT runs on a 32×32 grey copy; its 8×8 lowest frequencies make the hash
HASH_BITS = 8
DETAIL_SIDE = 256  # Laplacian and clipping are measured on a copy at most this big
log = logging.getLogger(__name__)

HIGHLIGHT, SHADOW = 250, 5  # 8-bit luminance at or past which a pixel counts as clipped


@dataclass(frozen=True)
class Thresholds:
    """The settings the checks compare with (bot.config: DAILIES_QC_*)."""

    duplicate_bits: int = 8  # Hamming distance (of 64 bits) at or below which two are duplicates
    flat_variance: float = 30.0  # Laplacian variance below which an image is flat
    clip_share: float = 0.3  # share of pixels clipped above which a flag fires
    palette_delta_e: float = 10.0


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    matrix[0] /= np.sqrt(2.0)
    return matrix


_DCT = _dct_matrix(HASH_SIDE)


def perceptual_hash(image: Image.Image) -> np.ndarray:
    """64 booleans: the 8×8 lowest DCT frequencies of a 32×32 grey copy against their median
    (the classic pHash; robust to re-encoding and small shifts, not to a different seed)."""
    return _hash_of_grey(_grey(image))


def _hash_of_grey(grey: Image.Image) -> np.ndarray:
    small = np.asarray(grey.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX), np.float64)
    low = (_DCT @ small @ _DCT.T)[:HASH_BITS, :HASH_BITS].ravel()
    return low > np.median(low[1:])


def hash_distance(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.count_nonzero(a != b))


def _grey(image: Image.Image) -> Image.Image:
    """A grey copy at most DETAIL_SIDE big (integer box reduction: fast, and every check sees
    the same pixels whatever the generation size)."""
    grey = image.convert("L")
    factor = -(-max(grey.size) // DETAIL_SIDE)
    return grey.reduce(factor) if factor > 1 else grey


def laplacian_variance(luminance: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: near 0 for a solid colour or a smooth blur."""
    if min(luminance.shape) < 3:
        return 0.0
    luminance = luminance.astype(np.int16)  # a 4-neighbour Laplacian of 8-bit values fits
    centre = luminance[1:-1, 1:-1]
    laplacian = (
        luminance[:-2, 1:-1] + luminance[2:, 1:-1] + luminance[1:-1, :-2] + luminance[1:-1, 2:]
    ) - 4 * centre
    return float(laplacian.var())


@dataclass(frozen=True)
class Flag:
    flag: str
    value: float
    threshold: float
    detail: str | None = None


def image_flags(image: Image.Image, thresholds: Thresholds) -> list[Flag]:
    """The single-image checks: flat, clipped highlights, clipped shadows."""
    return _grey_flags(_grey(image), thresholds)


def _grey_flags(grey: Image.Image, thresholds: Thresholds) -> list[Flag]:
    luminance = np.asarray(grey)  # uint8: the clipping counts need no conversion
    flags = []
    variance = laplacian_variance(luminance)
    if variance < thresholds.flat_variance:
        flags.append(Flag(FLAT, variance, thresholds.flat_variance))
    high = float(np.mean(luminance >= HIGHLIGHT))
    if high > thresholds.clip_share:
        flags.append(Flag(CLIPPED_HIGHLIGHTS, high, thresholds.clip_share))
    low = float(np.mean(luminance <= SHADOW))
    if low > thresholds.clip_share:
        flags.append(Flag(CLIPPED_SHADOWS, low, thresholds.clip_share))
    return flags


def batch_flags(
    images: list[Image.Image],
    thresholds: Thresholds,
    labels: list[str] | None = None,
    palette: list[str] | None = None,
) -> list[list[Flag]]:
    """Flags per image of one job: the single-image checks, a near-duplicate of an earlier
    sibling (the later one is flagged, naming the earlier by ``labels``), and off-palette when a
    palette is given."""
    labels = labels or [f"#{i + 1}" for i in range(len(images))]
    greys = [_grey(image) for image in images]
    hashes = [_hash_of_grey(grey) for grey in greys]
    result = []
    for index, image in enumerate(images):
        flags = _grey_flags(greys[index], thresholds)
        distances = [(hash_distance(hashes[index], hashes[j]), j) for j in range(index)]
        if distances:
            distance, nearest = min(distances)
            if distance <= thresholds.duplicate_bits:
                flags.append(
                    Flag(NEAR_DUPLICATE, distance, thresholds.duplicate_bits, labels[nearest])
                )
        if palette:
            report = palette_report(image, palette, thresholds.palette_delta_e)
            if report.off_palette:
                flags.append(Flag(OFF_PALETTE, report.max_delta_e, thresholds.palette_delta_e))
        result.append(flags)
    return result


def check_assets(
    store: Store,
    assets_dir: Path,
    assets: list[dict[str, Any]],
    thresholds: Thresholds,
    palette: list[str] | None = None,
) -> dict[int, list[Flag]]:
    """Check a job's images that were never checked, store what fired, mark them checked.

    Siblings already checked (a resumed job) still count as originals for near-duplicates.
    Returns the flags raised now, by asset id."""
    images = [a for a in assets if (a.get("media_type") or "image/png").startswith("image/")]
    fresh = {a["id"] for a in images if not a.get("qc_checked_at")}
    if not fresh:
        return {}
    loaded = [load_asset_image(assets_dir, a) for a in images]
    found = batch_flags(loaded, thresholds, [f"#{a['variant']}" for a in images], palette)
    now = time.time()
    raised = {a["id"]: flags for a, flags in zip(images, found, strict=True) if a["id"] in fresh}
    with store.write() as db:
        for asset_id, flags in raised.items():
            for flag in flags:
                db["qc_flags"].upsert(
                    {
                        "asset_id": asset_id,
                        "flag": flag.flag,
                        "value": flag.value,
                        "threshold": flag.threshold,
                        "detail": flag.detail,
                        "created_at": now,
                    },
                    pk=("asset_id", "flag"),
                )
            db["assets"].update(asset_id, {"qc_checked_at": now})
    for asset in images:
        if asset["id"] in fresh:
            asset["qc_checked_at"] = now
    return raised


def stored_flags(store: Store, asset_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The flags stored for these assets, by asset id, in a stable order."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not asset_ids:
        return found
    marks = ", ".join("?" for _ in asset_ids)
    for row in store.db.query(
        f"SELECT * FROM qc_flags WHERE asset_id IN ({marks}) ORDER BY asset_id, flag", asset_ids
    ):
        found.setdefault(row["asset_id"], []).append(row)
    return found


def thresholds_from(settings: Any) -> Thresholds:
    """The thresholds a running bot uses (``bot.config.Settings``)."""
    return Thresholds(
        duplicate_bits=settings.qc_duplicate_bits,
        flat_variance=settings.qc_flat_variance,
        clip_share=settings.qc_clip_share,
        palette_delta_e=settings.palette_delta_e,
    )


def check_job_results(store: Store, settings: Any, job: Any, assets: list[dict[str, Any]]) -> None:
    """Flag a finished job's images before they are shown (the palette is the job's, else its
    channel's). A check that fails is logged: flags must never keep results from people."""
    try:
        palette = job.params.get("palette") or get_palette(store, job.channel_id)
        check_assets(store, settings.assets_dir, assets, thresholds_from(settings), palette)
    except Exception:
        log.exception("job %s: automatic QC flags failed", job.id)
