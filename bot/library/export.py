"""Export packages: what a team picked, as one zip for the next tool (Figma, After Effects).

A package holds the selected assets' files exactly as stored (full resolution, the PNG
``parameters`` chunk intact; clips as MP4), ``lineage.json`` (every asset: parent, job, prompt,
seed, model, tier, votes, approver, tags, recipe, anchor), ``manifest.csv`` (one row per file)
and ``contact_sheet.png``. Every asset's ancestors come along, so each ``parent`` resolves
inside the package.

Deterministic: the same selection gives the same bytes — entries sorted, fixed timestamps and
permissions, JSON with sorted keys, no build time — so a package can be compared or cached by
its hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from bot.library.search import Query, search
from bot.media.contact_sheet import contact_sheet
from bot.store.assets import asset_path, get_asset
from bot.store.database import Store

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_THUMB = 256
MAX_SELECTED = 2000
MAX_SHEET = 48  # thumbnails on the contact sheet (the first selected, by id)


class ExportError(ValueError):
    """A selection that cannot be packaged; the message says why and what to do."""


@dataclass
class Package:
    assets: list[dict[str, Any]]  # selected + ancestors, by id
    selected: set[int] = field(default_factory=set)
    seconds: float = 0.0  # time spent writing the zip

    @property
    def file_bytes(self) -> int:
        return sum(int(a.get("_size") or 0) for a in self.assets)


def _iso(seconds: float | None) -> str | None:
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _suffix(asset: dict[str, Any]) -> str:
    return Path(asset["path"]).suffix or ".bin"


def file_name(asset: dict[str, Any]) -> str:
    return f"assets/a{asset['id']}-seed{asset['seed']}{_suffix(asset)}"


def select_thread(store: Store, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in store.db["assets"].rows_where(
            "channel_id = ? AND thread_ts = ?", [channel, thread_ts], order_by="id"
        )
    ]


def select_query(store: Store, query: Query, channels: list[str] | None) -> list[dict[str, Any]]:
    return search(store, query, channels, limit=MAX_SELECTED)


def package(store: Store, assets_dir: Path, selected: list[dict[str, Any]]) -> Package:
    """The selection and every ancestor, ordered by id, each with its file size."""
    if not selected:
        raise ExportError("Nothing matches that selection, so there is nothing to export.")
    by_id: dict[int, dict[str, Any]] = {}
    to_visit = [dict(a) for a in selected]
    while to_visit:
        asset = to_visit.pop()
        if asset["id"] in by_id:
            continue
        by_id[asset["id"]] = asset
        parent_id = asset.get("parent_id")
        if parent_id and parent_id not in by_id:
            parent = get_asset(store, parent_id)
            if parent is not None:
                to_visit.append(parent)
    for asset in by_id.values():
        path = asset_path(assets_dir, asset)
        if not path.exists():
            raise ExportError(f"The file of a{asset['id']} is missing from {assets_dir}.")
        asset["_size"] = path.stat().st_size
    return Package(sorted(by_id.values(), key=lambda a: a["id"]), {a["id"] for a in selected})


def _voters(store: Store, asset_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in asset_ids}
    marks = ", ".join("?" for _ in asset_ids)
    for row in store.db.query(
        f"SELECT asset_id, user_id FROM votes WHERE asset_id IN ({marks}) ORDER BY user_id",
        asset_ids,
    ):
        out[row["asset_id"]].append(row["user_id"])
    return out


def lineage_records(store: Store, pkg: Package) -> list[dict[str, Any]]:
    ids = [a["id"] for a in pkg.assets]
    voters = _voters(store, ids)
    jobs = {
        r["id"]: r
        for r in store.db.query(
            f"SELECT id, kind, params FROM jobs WHERE id IN ({', '.join('?' for _ in pkg.assets)})",
            [a["job_id"] for a in pkg.assets],
        )
    }
    records = []
    for a in pkg.assets:
        job = jobs.get(a["job_id"]) or {}
        params = json.loads(job.get("params") or "{}")
        recipe = store.db["recipes"].get(a["recipe_id"]) if a.get("recipe_id") else None
        anchor = store.db["anchors"].get(a["anchor_id"]) if a.get("anchor_id") else None
        records.append(
            {
                "id": f"a{a['id']}",
                "file": file_name(a),
                "selected": a["id"] in pkg.selected,
                "parent": f"a{a['parent_id']}" if a.get("parent_id") else None,
                "job": {"id": a["job_id"], "kind": job.get("kind"), "variant": a["variant"]},
                "prompt": a.get("prompt"),
                "negative_prompt": a.get("negative_prompt") or "",
                "change": params.get("change"),
                "seed": a["seed"],
                "model": a.get("model_id"),
                "tier": a.get("tier"),
                "width": a["width"],
                "height": a["height"],
                "steps": a.get("steps"),
                "guidance": a.get("guidance"),
                "strength": a.get("strength"),
                "scheduler": a.get("scheduler"),
                "media_type": a.get("media_type"),
                "sha256": a["sha256"],
                "votes": {"count": len(voters[a["id"]]), "voters": voters[a["id"]]},
                "approved": bool(a.get("approved")),
                "approver": a.get("approved_by"),
                "approved_at": _iso(a.get("approved_at")),
                "tags": (a.get("tags") or "").split(),
                "recipe": recipe["name"] if recipe else None,
                "anchor": (
                    {"name": anchor["name"], "scale": a.get("anchor_scale")} if anchor else None
                ),
                "made_by": a.get("user_id"),
                "channel": a.get("channel_id"),
                "thread_ts": a.get("thread_ts"),
                "created_at": _iso(a.get("created_at")),
            }
        )
    return records


def manifest_csv(pkg: Package, extra: list[tuple[str, bytes]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "asset", "parent", "media_type", "bytes", "sha256", "prompt"])
    for a in pkg.assets:
        writer.writerow(
            [
                file_name(a),
                f"a{a['id']}",
                f"a{a['parent_id']}" if a.get("parent_id") else "",
                a.get("media_type") or "",
                a["_size"],
                a["sha256"],
                a.get("prompt") or "",
            ]
        )
    for name, data in extra:
        writer.writerow([name, "", "", "", len(data), hashlib.sha256(data).hexdigest(), ""])
    return out.getvalue().encode()


def contact_sheet_png(assets_dir: Path, pkg: Package) -> bytes | None:
    images, labels = [], []
    for a in pkg.assets:
        if a["id"] not in pkg.selected or not (a.get("media_type") or "").startswith("image/"):
            continue
        if len(images) == MAX_SHEET:
            break
        with Image.open(asset_path(assets_dir, a)) as image:
            image.thumbnail((_THUMB, _THUMB))  # before converting: never copies the full size
            images.append(image.convert("RGB"))
        final = " FINAL" if a.get("tier") == "final" else ""
        labels.append(f"a{a['id']} seed {a['seed']}{final}")
    if not images:
        return None
    buffer = io.BytesIO()
    contact_sheet(images, labels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _entry(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def write_zip(
    store: Store,
    assets_dir: Path,
    pkg: Package,
    target: Any,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The package as a zip into ``target`` (a path or a binary file object); ``progress`` is
    told (entries written, entries in all) after each entry."""
    lineage = json.dumps(
        {"format": "dailies-export/1", "assets": lineage_records(store, pkg)},
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
    ).encode()
    sheet = contact_sheet_png(assets_dir, pkg)
    extra = [("lineage.json", lineage)] + ([("contact_sheet.png", sheet)] if sheet else [])
    entries: list[tuple[str, bytes | Path, bool]] = [
        (file_name(a), asset_path(assets_dir, a), False) for a in pkg.assets
    ]
    entries += [(name, data, name.endswith(".json")) for name, data in extra]
    entries.append(("manifest.csv", manifest_csv(pkg, extra), True))
    with zipfile.ZipFile(target, "w") as archive:
        for done, (name, content, compress) in enumerate(sorted(entries, key=lambda e: e[0]), 1):
            data = content.read_bytes() if isinstance(content, Path) else content
            archive.writestr(_entry(name, compress), data, compresslevel=6 if compress else None)
            if progress is not None:
                progress(done, len(entries))


def package_name(label: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in label).strip("-")
    return f"dailies-{safe[:60] or 'export'}.zip"


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def check_size(pkg: Package, max_bytes: int) -> None:
    if max_bytes and pkg.file_bytes > max_bytes:
        files = f"{len(pkg.assets)} file{'s' if len(pkg.assets) != 1 else ''}"
        raise ExportError(
            f"That package would hold {files}, {human_bytes(pkg.file_bytes)}, over the "
            f"{human_bytes(max_bytes)} limit (DAILIES_EXPORT_MAX_BYTES). Narrow it: one "
            "thread, a tag, or fewer days."
        )


def build(
    store: Store,
    assets_dir: Path,
    selected: list[dict[str, Any]],
    max_bytes: int,
    out: Any,
    progress: Callable[[int, int], None] | None = None,
) -> Package:
    """Check the size limit, then write the zip; ExportError when over it."""
    pkg = package(store, assets_dir, selected)
    check_size(pkg, max_bytes)
    started = time.perf_counter()
    write_zip(store, assets_dir, pkg, out, progress)
    pkg.seconds = time.perf_counter() - started
    return pkg


def record_export(
    store: Store,
    pkg: Package,
    package_file: str,
    *,
    user_id: str | None,
    channel_id: str | None,
    source: str,
) -> None:
    """Remember who handed off which assets, once the package exists where they asked for it
    (a failed upload or write records nothing)."""
    now = time.time()
    rows = [
        {"asset_id": asset_id, "user_id": user_id, "channel_id": channel_id,
         "source": source, "package": package_file, "created_at": now}
        for asset_id in sorted(pkg.selected)
    ]  # fmt: skip
    with store.write() as db:
        db["exports"].insert_all(rows)


def export_to_file(
    store: Store,
    assets_dir: Path,
    out: Path,
    *,
    thread: str | None,
    channel: str | None,
    tag: str | None,
    max_bytes: int,
) -> Package:
    """``dailies export``: a thread's (by link or ts) or a tag's package, written to ``out`` —
    the same bytes Slack's ``/dailies export`` uploads for the same selection."""
    from bot.library.history import resolve_thread
    from bot.library.search import check_tag

    if bool(thread) == bool(tag):
        raise ExportError("name what to export: --thread LINK-OR-TS or --tag NAME (one of them)")
    if out.exists() and out.is_dir():
        raise ExportError(f"--out {out} is a folder; name the zip file to write")
    if not out.parent.is_dir():
        raise ExportError(f"--out: the folder {out.parent} does not exist")
    if thread:
        found, ts = resolve_thread(store, thread, channel)
        selected = select_thread(store, found, ts)
    else:
        selected = select_query(store, Query(tags=[check_tag(tag or "")]), None)
    pkg = package(store, assets_dir, selected)
    check_size(pkg, max_bytes)
    partial = out.with_name(out.name + ".part")
    write_zip(store, assets_dir, pkg, partial)
    partial.replace(out)
    record_export(store, pkg, out.name, user_id=None, channel_id=None, source="cli")
    return pkg
