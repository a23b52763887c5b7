"""Nano Banana (``gemini-2.5-flash-image``) and Nano Banana Pro (``gemini-3-pro-image-preview``)
as a tier, through the google-genai SDK.

One ``generate_content`` call per variant (image models return one image per call). A draft
being promoted or iterated is sent as an input image, a style anchor as a reference image. The
API has no seed-exact replay, so every result says it is not bit-reproducible; the seed is still
sent and recorded. Refusals, safety blocks and timeouts become one line a person can act on.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageOps

from models.backends import HostedModelError, HostedOptions
from models.presets import TierPreset
from models.request import (
    CancelCheck,
    GeneratedImage,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
)

# The aspect ratios the Gemini image models accept (image_config.aspect_ratio).
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
RETRY_STATUS = (408, 429, 500, 502, 503, 504)
NOT_REPRODUCIBLE = "hosted model: the same seed and prompt do not give the same bytes again"


def nearest_aspect(width: int, height: int) -> str:
    """The supported ratio closest to the request's size (in log space, as sizes are chosen)."""
    import math

    target = math.log(width / height)

    def distance(text: str) -> float:
        w, h = (int(x) for x in text.split(":"))
        return abs(math.log(w / h) - target)

    return min(ASPECT_RATIOS, key=distance)


def _timeout_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [TimeoutError]
    for module in ("httpx", "httpx2"):
        with contextlib.suppress(ImportError, AttributeError):
            errors.append(__import__(module).TimeoutException)
    return tuple(errors)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


class GeminiBackend:
    """The Gemini API as a tier; one client per runner, made on first use."""

    def __init__(self, options: HostedOptions) -> None:
        self.options = options
        self._client: Any = None

    def client(self, tier: TierPreset) -> Any:
        if not self.options.gemini_api_key:
            raise HostedModelError(
                f"GEMINI_API_KEY is not set: the {tier.name} tier ({tier.model_id}) runs on "
                "the Gemini API and needs a key."
            )
        if self._client is None:
            from google import genai
            from google.genai import types

            http = types.HttpOptions(
                base_url=self.options.gemini_base_url or None,
                timeout=int(self.options.timeout_s * 1000),
                retry_options=types.HttpRetryOptions(
                    attempts=self.options.retries + 1,
                    initial_delay=self.options.retry_delay_s,
                    max_delay=max(self.options.retry_delay_s * 8, 1.0),
                    http_status_codes=list(RETRY_STATUS),
                ),
            )
            self._client = genai.Client(api_key=self.options.gemini_api_key, http_options=http)
        return self._client

    def describe(self, request: GenerationRequest, tier: TierPreset) -> GenerationResult:
        """What ``generate`` records: the model, the request as sent (no key), not reproducible."""
        _check(request)
        return GenerationResult(
            images=[],
            model_id=tier.model_id,
            scheduler=tier.scheduler,
            steps=1,
            guidance=0.0,
            strength=None,
            reproducible=False,
            hosted_request=self.request_record(request, tier),
        )

    def request_record(self, request: GenerationRequest, tier: TierPreset) -> dict[str, Any]:
        """The request as sent to the API, minus the key and the image bytes."""
        record: dict[str, Any] = {
            "backend": "gemini",
            "model": tier.model_id,
            "aspect_ratio": nearest_aspect(request.width, request.height),
            "input_image": request.init_image is not None,
            "reference_image": request.anchor_image is not None,
            "note": NOT_REPRODUCIBLE,
        }
        if tier.image_size:
            record["image_size"] = tier.image_size
        if tier.cost_per_image:
            record["cost_per_image_usd"] = tier.cost_per_image  # from the family's config
        return record

    def generate(
        self,
        request: GenerationRequest,
        tier: TierPreset,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        *,
        on_image: Callable[[int, GeneratedImage], None] | None = None,
    ) -> GenerationResult:
        """One image per seed; raises HostedModelError with one line on any refusal."""
        from google.genai import types

        started = time.perf_counter()
        result = self.describe(request, tier)
        self.client(tier)  # a missing key is refused before anything is encoded
        contents: list[Any] = [_prompt_text(request)]
        if request.init_image is not None:
            contents.append(
                types.Part.from_bytes(data=_png(request.init_image), mime_type="image/png")
            )
        if request.anchor_image is not None:
            contents.append("Match the style (palette, lighting, medium) of this reference image:")
            contents.append(
                types.Part.from_bytes(data=_png(request.anchor_image), mime_type="image/png")
            )
        aspect = result.hosted_request["aspect_ratio"]  # type: ignore[index]
        return self._run(
            result, tier, contents, aspect, request.seeds, progress, cancelled, on_image, started
        )

    def inpaint(
        self,
        request: Any,
        tier: TierPreset,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
        on_image: Callable[[int, GeneratedImage], None] | None = None,
    ) -> GenerationResult:
        """A region edit: the image, the instruction and the mask (as a picture, white = the
        region) go to the model; it may still touch more than the region (the mask is advisory
        to it), so its answer is composited over the source through the mask: outside it the
        source's pixels stay exact."""
        from google.genai import types

        from models.masks import composite

        started = time.perf_counter()
        source = request.image.convert("RGB")
        soft = request.mask.convert("L")
        result = self.describe_inpaint(request, tier)
        contents: list[Any] = [
            f"Edit this image: {request.prompt}. Change only the region that is white in the "
            "mask that follows; keep everything else as it is.",
            types.Part.from_bytes(data=_png(source), mime_type="image/png"),
            types.Part.from_bytes(data=_png(soft.convert("RGB")), mime_type="image/png"),
        ]
        aspect = result.hosted_request["aspect_ratio"]  # type: ignore[index]

        def blend(image: Image.Image) -> Image.Image:
            return composite(source, ImageOps.fit(image, source.size), soft)

        return self._run(
            result,
            tier,
            contents,
            aspect,
            request.seeds,
            progress,
            cancelled,
            on_image,
            started,
            blend,
        )

    def describe_inpaint(self, request: Any, tier: TierPreset) -> GenerationResult:
        width, height = request.image.size
        record = {
            **self.request_record(
                GenerationRequest(
                    tier.name,
                    request.prompt,
                    width,
                    height,
                    request.seeds,
                    init_image=request.image,
                ),
                tier,
            ),
            "mask": "sent as an image; advisory to the model, enforced by compositing",
        }
        return GenerationResult(
            images=[],
            model_id=tier.model_id,
            scheduler=tier.scheduler,
            steps=1,
            guidance=0.0,
            strength=None,
            reproducible=False,
            hosted_request=record,
        )

    def _run(
        self,
        result: GenerationResult,
        tier: TierPreset,
        contents: list[Any],
        aspect: str,
        seeds: tuple[int, ...],
        progress: ProgressCallback | None,
        cancelled: CancelCheck | None,
        on_image: Callable[[int, GeneratedImage], None] | None,
        started: float,
        finish: Callable[[Image.Image], Image.Image] | None = None,
    ) -> GenerationResult:
        """One call per seed, each image handed over as it arrives."""
        from google.genai import errors, types

        client = self.client(tier)
        image_config = types.ImageConfig(aspect_ratio=aspect, image_size=tier.image_size)
        for index, seed in enumerate(seeds):
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"cancelled after {index} of {len(seeds)}")
            config = types.GenerateContentConfig(
                response_modalities=["IMAGE"],
                image_config=image_config,
                seed=seed % 2**31,  # the API takes an int32 seed; recorded, not bit-exact
            )
            image_started = time.perf_counter()
            try:
                response = client.models.generate_content(
                    model=tier.model_id, contents=contents, config=config
                )
            except errors.APIError as err:
                raise HostedModelError(_refusal(tier, err)) from err
            except _timeout_errors() as err:
                raise HostedModelError(
                    f"{tier.model_id} did not answer within {self.options.timeout_s:g} s; "
                    "nothing was saved. Retry in a moment."
                ) from err
            image = _image_of(response, tier)
            if finish is not None:
                image = finish(image)
            result.timings[f"image_{index}_s"] = time.perf_counter() - image_started
            result.images.append(GeneratedImage(image=image, seed=seed))
            if progress is not None:
                progress(index, 1, 1)
            if on_image is not None:
                on_image(index, result.images[-1])
        result.timings["per_image_s"] = sum(
            v for k, v in result.timings.items() if k.startswith("image_")
        ) / len(result.images)
        result.timings["total_s"] = time.perf_counter() - started
        return result


def _check(request: GenerationRequest) -> None:
    if not request.seeds:
        raise ValueError("a request needs at least one seed (one image per seed)")


def _prompt_text(request: GenerationRequest) -> str:
    """The prompt as Gemini reads it: it has no negative prompt, so that is said in words."""
    text = request.prompt
    if request.init_image is not None:
        text = f"Re-render this image, keeping its composition: {text}"
    if request.negative_prompt:
        text += f"\nDo not include: {request.negative_prompt}"
    return text


def _refusal(tier: TierPreset, err: Any) -> str:
    """An API error as one line: who refused, the status, and Google's own words."""
    message = str(getattr(err, "message", "") or err).strip().splitlines()[0][:300].rstrip(".")
    status = getattr(err, "status", None) or ""
    code = getattr(err, "code", "")
    hint = ""
    if code in (401, 403) or "API key" in message:
        hint = " Check GEMINI_API_KEY."
    elif code == 429:
        hint = " The quota is used up for now; Retry later."
    return f"Gemini refused the request for {tier.model_id} ({code} {status}): {message}.{hint}"


def _image_of(response: Any, tier: TierPreset) -> Image.Image:
    """The first image in a response, or a HostedModelError saying why there is none."""
    feedback = getattr(response, "prompt_feedback", None)
    blocked = getattr(feedback, "block_reason", None) if feedback is not None else None
    if blocked:
        reason = getattr(blocked, "value", blocked)
        raise HostedModelError(
            f"Gemini blocked this prompt ({reason}); nothing was saved. Rephrase it and retry."
        )
    for candidate in response.candidates or []:
        for part in (candidate.content.parts if candidate.content else None) or []:
            data = getattr(part.inline_data, "data", None) if part.inline_data else None
            if data:
                with Image.open(io.BytesIO(data)) as image:
                    return image.convert("RGB")
    reason = ""
    said = ""
    for candidate in response.candidates or []:
        if candidate.finish_reason is not None:
            reason = str(getattr(candidate.finish_reason, "value", candidate.finish_reason))
        for part in (candidate.content.parts if candidate.content else None) or []:
            if part.text:
                said = part.text.strip().splitlines()[0][:200]
    if reason and reason not in ("STOP", "FINISH_REASON_UNSPECIFIED"):
        raise HostedModelError(
            f"Gemini returned no image ({reason}); nothing was saved. Rephrase it and retry."
        )
    detail = f": “{said}”" if said else ""
    raise HostedModelError(f"{tier.model_id} returned no image{detail}; nothing was saved.")
