"""A local imitation of the Gemini API's ``models/{model}:generateContent`` for image models.

The real google-genai client is pointed at it (``HttpOptions(base_url=...)``), so tests run the
SDK's own request building, retries and error classes. It answers what the image models answer
and refuses what Google refuses: a missing key (403 PERMISSION_DENIED), a wrong key (400
INVALID_ARGUMENT "API key not valid"), an unknown model (404), a request without contents or with
an aspect ratio the models do not take (400), a prompt its blocklist catches (200 with
``promptFeedback.blockReason``, no candidates), an image it will not draw (finishReason
IMAGE_SAFETY). Tests can script the next answers: 429 RESOURCE_EXHAUSTED, or a stall longer than
the client's timeout. Every request is recorded (the key is not).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

IMAGE_MODELS = ("gemini-2.5-flash-image", "gemini-3-pro-image-preview")
# Output sizes at 1K per aspect ratio (the models' published table); 2K and 4K scale it.
SIZES_1K = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}
SCALE = {"1K": 1, "2K": 2, "4K": 4}
_PATH = re.compile(r"^/(v1beta|v1alpha|v1)/models/([\w.-]+):generateContent$")


@dataclass
class Recorded:
    model: str
    body: dict[str, Any]

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [p for c in self.body.get("contents", []) for p in c.get("parts", [])]

    @property
    def text(self) -> str:
        return "\n".join(p["text"] for p in self.parts if "text" in p)

    @property
    def images(self) -> list[Image.Image]:
        found = []
        for part in self.parts:
            inline = part.get("inlineData") or part.get("inline_data")
            if inline:
                data = inline["data"]  # the SDK sends URL-safe base64; Google takes both
                data = data.replace("-", "+").replace("_", "/") + "=" * (-len(data) % 4)
                found.append(Image.open(io.BytesIO(base64.b64decode(data))))
        return found

    @property
    def config(self) -> dict[str, Any]:
        return self.body.get("generationConfig", {})


@dataclass
class GeminiImitation:
    """Run with ``with GeminiImitation(api_key=...) as gemini:``; ``gemini.base_url`` for the
    client. ``blocked_words`` in a prompt are refused for safety; ``unsafe_words`` produce an
    IMAGE_SAFETY finish with no image."""

    api_key: str = "test-gemini-key"
    blocked_words: tuple[str, ...] = ("forbidden",)
    unsafe_words: tuple[str, ...] = ("gore",)
    # Output scale for tests: 1K sizes divided by this (keeps PNGs small and fast).
    shrink: int = 8
    requests: list[Recorded] = field(default_factory=list)
    _script: list[tuple[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)
    _stalled: int = 0

    # --- scripting -----------------------------------------------------------------------
    def fail_next(self, status: int = 429, times: int = 1) -> None:
        with self._lock:
            self._script.extend([("fail", status)] * times)

    def stall_next(self, seconds: float) -> None:
        """The next request waits this long (or until ``release()`` or close) before answering."""
        with self._lock:
            self._script.append(("stall", seconds))

    def release(self) -> None:
        """Let stalled requests answer now."""
        self._release.set()

    @property
    def stalled(self) -> int:
        """How many requests are waiting in a stall right now."""
        with self._lock:
            return self._stalled

    # --- server --------------------------------------------------------------------------
    def __enter__(self) -> GeminiImitation:
        imitation = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, payload = imitation.answer(self.path, self.headers, raw)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to tell it

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    # --- the API -------------------------------------------------------------------------
    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
        match = _PATH.match(path.split("?")[0])
        if match is None:
            return _error(404, "NOT_FOUND", f"Requested entity was not found: {path}")
        key = headers.get("x-goog-api-key")
        if not key:
            return _error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        if key != self.api_key:
            return _error(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."
            )
        model = match.group(2)
        if model not in IMAGE_MODELS:
            return _error(
                404,
                "NOT_FOUND",
                f"models/{model} is not found for API version {match.group(1)}, or is not "
                "supported for generateContent.",
            )
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        with self._lock:
            self.requests.append(Recorded(model, body))
            step = self._script.pop(0) if self._script else None
        if step is not None and step[0] == "fail":
            if step[1] == 429:
                return _error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "You exceeded your current quota, please check your plan and billing details.",
                )
            return _error(step[1], "UNAVAILABLE", "The model is overloaded. Please try later.")
        if step is not None and step[0] == "stall":
            with self._lock:
                self._stalled += 1
            self._release.wait(step[1])
            with self._lock:
                self._stalled -= 1
        return self._generate(model, body)

    def _generate(self, model: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        contents = body.get("contents")
        if not contents:
            return _error(
                400,
                "INVALID_ARGUMENT",
                "* GenerateContentRequest.contents: contents is not specified",
            )
        record = Recorded(model, body)
        config = record.config
        modalities = [m.upper() for m in config.get("responseModalities", ["TEXT"])]
        if "IMAGE" not in modalities:
            return 200, _text_answer("I can only describe images when asked for text.")
        image_config = config.get("imageConfig", {})
        aspect = image_config.get("aspectRatio", "1:1")
        if aspect not in SIZES_1K:
            return _error(
                400,
                "INVALID_ARGUMENT",
                f"Unsupported aspect ratio: {aspect}. Supported: {', '.join(SIZES_1K)}.",
            )
        size = image_config.get("imageSize", "1K")
        if size not in SCALE:
            return _error(400, "INVALID_ARGUMENT", f"Unsupported image size: {size}.")
        if size != "1K" and model == "gemini-2.5-flash-image":
            return _error(400, "INVALID_ARGUMENT", "image_size is not supported by this model.")
        text = record.text.lower()
        if any(word in text for word in self.blocked_words):
            return 200, {
                "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
            }
        if any(word in text for word in self.unsafe_words):
            return 200, {
                "candidates": [{"content": {"role": "model"}, "finishReason": "IMAGE_SAFETY"}],
            }
        width, height = SIZES_1K[aspect]
        scale = SCALE[size]
        image = _picture(
            record.text,
            record.images,
            width * scale // self.shrink,
            height * scale // self.shrink,
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return 200, {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {
                                "inlineData": {
                                    "mimeType": "image/png",
                                    "data": base64.b64encode(buffer.getvalue()).decode(),
                                }
                            }
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 1290},
            "modelVersion": model,
        }


def _picture(text: str, inputs: list[Image.Image], width: int, height: int) -> Image.Image:
    """A made-up picture: a colour from the prompt; input images pasted in, so a test can see
    they were sent. (The real service is not seed-exact either; neither is this.)"""
    digest = hashlib.sha256(text.encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height // 4), fill=tuple(digest[3:6]))
    for index, source in enumerate(inputs):
        tile = source.convert("RGB").resize((width // 2, height // 2))
        image.paste(tile, ((index % 2) * width // 2, height // 2))
    return image


def _text_answer(text: str) -> dict[str, Any]:
    return {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        ]
    }


def _error(code: int, status: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error": {"code": code, "message": message, "status": status}}
