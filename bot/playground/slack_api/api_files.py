"""Files: the files_upload_v2 steps, files.info, downloads and delayed share promotion.

Why a module of its own: a file goes through states Slack makes visible (upload URL issued, bytes
uploaded, upload completed, still processing, shared in a channel), and Block Kit ``slack_file``
references are only accepted once it is shared where the message goes. Keeping the whole life of
a file here keeps those states consistent. Mixed into ``SlackImitation``; methods expect its lock
to be held except the ``handle_*`` entry points, which take it.
"""

from __future__ import annotations

import io
import json
import mimetypes
import re
import time
from typing import Any

from .api_errors import ApiError
from .blocks_rules import FileCheck


class FilesMethods:
    """``_m_files_*`` handlers, the upload/download entry points and the file records."""

    # ------------------------------------------------------------------ request entry points

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """The absolute upload_url step of files_upload_v2 (no token; raw bytes)."""
        with self._lock:
            self._calls.append(("upload", {"file_id": file_id, "length": len(data)}))
            rec = self._files.get(file_id)
            if rec is None:
                status, text = 404, "file_not_found"
            elif len(data) != rec["length"]:
                status, text = 400, f"length mismatch: expected {rec['length']}, got {len(data)}"
            else:
                rec["bytes"] = bytes(data)
                rec["uploaded_at"] = time.time()
                status, text = 200, f"OK - {len(data)}"
            self._outcomes.append(
                {
                    "method": "upload",
                    "params": {"file_id": file_id, "length": len(data)},
                    "status": status,
                    "response": text,
                }
            )
            return status, text

    def handle_download(self, path: str, token: str | None) -> tuple[int, str, bytes]:
        """url_private(_download): bytes with the bot token; Slack's sign-in page without it."""
        with self._lock:
            self._calls.append(("files-pri", {"path": path}))
            if token != self.bot_token:
                # Slack answers 200 with an HTML login page, a classic trap for downloaders.
                page = b"<html><body>Sign in to Slack</body></html>"
                return 200, "text/html; charset=utf-8", page
            m = re.match(r"^/files-pri/[^/-]+-(F[0-9A-Z]+)/", path)
            rec = self._files.get(m.group(1)) if m else None
            if rec is None or rec["bytes"] is None:
                return 404, "text/plain", b"file_not_found"
            mimetype = mimetypes.guess_type(rec["name"])[0] or "application/octet-stream"
            return 200, mimetype, rec["bytes"]

    # ------------------------------------------------------------------ Web API methods

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = params.get("filename")
        length = params.get("length")
        if not filename:
            raise ApiError("invalid_arguments", detail="filename is required")
        try:
            n = int(length)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments", detail="length is required") from None
        if n < 1:
            raise ApiError("invalid_arguments", detail="length must be at least 1")
        fid = self._new_file_record(str(filename), n, user=self.bot_user_id)
        if params.get("alt_txt"):
            self._files[fid]["alt_txt"] = params["alt_txt"]
        return {"ok": True, "upload_url": f"{self._root}upload/{fid}", "file_id": fid}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("files")
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            raise ApiError("invalid_arguments", detail="files must be JSON") from None
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments", detail="files is required")
        recs = []
        for item in items:
            fid = item.get("id") if isinstance(item, dict) else None
            rec = self._files.get(fid) if fid else None
            if rec is None or rec["bytes"] is None:
                raise ApiError("file_not_found")
            recs.append((rec, item))
        channels: list[str] = []
        if params.get("channel_id"):
            channels.append(self._channel_id(params["channel_id"]))
        if params.get("channels"):
            channels += [self._channel_id(c.strip()) for c in str(params["channels"]).split(",")]
        thread_ts = params.get("thread_ts") or None
        if thread_ts and not channels:
            raise ApiError("invalid_arguments", detail="thread_ts needs channel_id")
        roots = {c: self._resolve_thread(c, thread_ts) for c in channels}
        now = time.time()
        for rec, item in recs:
            if item.get("title"):
                rec["title"] = str(item["title"])
            rec["completed_at"] = now
            rec["channels"] = list(channels)
            rec["shared_at"] = now if channels else None
            rec["thread_ts"] = next(iter(roots.values()), None)
            rec["initial_comment"] = params.get("initial_comment")
        for channel in channels:
            self._pending_shares.append(
                {
                    "due": now + self.file_share_delay,
                    "channel": channel,
                    "thread_ts": roots[channel],
                    "file_ids": [rec["id"] for rec, _ in recs],
                    "initial_comment": params.get("initial_comment"),
                }
            )
        self._promote_due_shares()  # a zero delay shares at once
        return {"ok": True, "files": [self._file_object(rec) for rec, _ in recs]}

    def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        rec = self._files.get(params.get("file") or "")
        if rec is None or rec["completed_at"] is None:
            raise ApiError("file_not_found")
        return {
            "ok": True,
            "file": self._file_object(rec),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    # ------------------------------------------------------------------ file records (locked)

    def _new_file_record(self, name: str, length: int, *, user: str) -> str:
        fid = f"F{next(self._ids):09d}"
        self._files[fid] = {
            "id": fid,
            "name": name,
            "title": name,
            "length": length,
            "bytes": None,
            "user": user,
            "created": int(time.time()),
            "uploaded_at": None,
            "completed_at": None,
            "channels": [],
            "thread_ts": None,
            "shared_at": None,
            "initial_comment": None,
            "alt_txt": None,
            "shares": [],
        }
        return fid

    def _promote_due_shares(self) -> None:
        """Shares become visible once processing (``file_share_delay``) is over.

        Done lazily before every request and every test-side read; the message ts is based on the
        due time, so ordering against messages posted later stays right.
        """
        now = time.time()
        due = [s for s in self._pending_shares if s["due"] <= now]
        if not due:
            return
        self._pending_shares = [s for s in self._pending_shares if s["due"] > now]
        for share in sorted(due, key=lambda s: s["due"]):
            channel, root = share["channel"], share["thread_ts"]
            if root is not None and (channel, root) not in self._by_ts:
                root = None  # the thread root was deleted meanwhile
            ts = self._next_ts(share["due"])
            recs = [self._files[fid] for fid in share["file_ids"]]
            for rec in recs:
                rec["shares"].append({"channel": channel, "ts": ts, "thread_ts": root})
            msg = self._bot_message(share["initial_comment"] or "", None, ts)
            msg["upload"] = True
            msg["display_as_bot"] = False
            msg["files"] = [self._file_object(rec) for rec in recs]
            self._store_message(channel, msg, root)
        self._touch()

    def _file_object(self, rec: dict[str, Any]) -> dict[str, Any]:
        """The file as files.info / completeUploadExternal show it."""
        name = rec["name"]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        base = f"{self._root}files-pri/{self.team_id}-{rec['id']}"
        obj: dict[str, Any] = {
            "id": rec["id"],
            "created": rec["created"],
            "timestamp": rec["created"],
            "name": name,
            "title": rec["title"],
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": rec["user"],
            "user_team": self.team_id,
            "editable": False,
            "size": rec["length"],
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"{self._root}files/{rec['user']}/{rec['id']}/{name}",
        }
        if rec.get("alt_txt"):
            obj["alt_txt"] = rec["alt_txt"]
        size = _image_size(rec.get("bytes"), mimetype)
        if size is not None:
            obj["original_w"], obj["original_h"] = size
        public: dict[str, list[dict[str, Any]]] = {}
        private: dict[str, list[dict[str, Any]]] = {}
        for share in rec["shares"]:
            entry: dict[str, Any] = {
                "ts": share["ts"],
                "channel_name": share["channel"].lower(),
                "team_id": self.team_id,
                "share_user_id": rec["user"],
            }
            if share["thread_ts"]:
                entry["thread_ts"] = share["thread_ts"]
            bucket = public if share["channel"].startswith("C") else private
            bucket.setdefault(share["channel"], []).append(entry)
        shared = [s["channel"] for s in rec["shares"]]
        obj["channels"] = sorted({c for c in shared if c.startswith("C")})
        obj["groups"] = sorted({c for c in shared if c.startswith("G")})
        obj["ims"] = sorted({c for c in shared if c.startswith("D")})
        obj["is_public"] = bool(obj["channels"])
        if public or private:
            obj["shares"] = {}
            if public:
                obj["shares"]["public"] = public
            if private:
                obj["shares"]["private"] = private
        return obj

    def _file_check_for(self, channel: str | None) -> FileCheck:
        """slack_file references must name a file already shared (and processed) in ``channel``."""

        def check(ref: dict[str, Any]) -> str | None:
            rec = None
            if "id" in ref:
                rec = self._files.get(ref["id"])
            else:
                for candidate in self._files.values():
                    obj = self._file_object(candidate)
                    if ref["url"] in (obj["url_private"], obj["permalink"]):
                        rec = candidate
                        break
            label = ref.get("id") or ref.get("url")
            if rec is None or rec["completed_at"] is None:
                return f"{label} does not exist"
            shared_in = {s["channel"] for s in rec["shares"]}
            if channel is None:
                if shared_in:
                    return None
                pending = any(rec["id"] in s["file_ids"] for s in self._pending_shares)
                return f"{label} is {'still processing' if pending else 'not shared anywhere'}"
            if channel in shared_in:
                return None
            pending = any(
                rec["id"] in s["file_ids"] and s["channel"] == channel for s in self._pending_shares
            )
            if pending:
                return f"{label} is still processing in {channel}"
            return f"{label} is not shared in {channel}"

        return check


def _image_size(data: bytes | None, mimetype: str) -> tuple[int, int] | None:
    if not data or not mimetype.startswith("image/"):
        return None
    try:
        from PIL import Image  # optional; only for original_w/original_h
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:
        return None
