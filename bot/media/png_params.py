"""The ``parameters`` PNG text chunk in the Automatic1111 layout.

Many tools (A1111, ComfyUI importers, Civitai, image viewers) read this chunk, so a file that
leaves Slack still says how to make it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import PngImagePlugin

CHUNK = "parameters"


@dataclass(frozen=True)
class ImageParameters:
    prompt: str
    negative_prompt: str
    steps: int
    sampler: str
    cfg_scale: float
    seed: int
    width: int
    height: int
    model: str
    denoising_strength: float | None = None
    # A1111's "VAE" field: the decoder, when it is not the model's own (a draft's TAESD).
    vae: str | None = None
    # A1111 writes the LoRAs into the prompt as <lora:NAME:W>; "" when none.
    lora_tags: str = ""
    # Hosted models cannot remake the same bytes from the seed; said in the file too.
    reproducible: bool = True

    def to_text(self) -> str:
        fields = [
            f"Steps: {self.steps}",
            f"Sampler: {self.sampler}",
            f"CFG scale: {self.cfg_scale:g}",
            f"Seed: {self.seed}",
            f"Size: {self.width}x{self.height}",
            f"Model: {self.model}",
        ]
        if self.denoising_strength is not None:
            fields.append(f"Denoising strength: {self.denoising_strength:g}")
        if self.vae:
            fields.append(f"VAE: {self.vae}")
        if not self.reproducible:
            fields.append("Reproducible: no (hosted model)")
        lines = [f"{self.prompt} {self.lora_tags}" if self.lora_tags else self.prompt]
        if self.negative_prompt:
            lines.append(f"Negative prompt: {self.negative_prompt}")
        lines.append(", ".join(fields))
        return "\n".join(lines)

    def to_pnginfo(self) -> PngImagePlugin.PngInfo:
        info = PngImagePlugin.PngInfo()
        info.add_itxt(CHUNK, self.to_text())
        return info


_FIELD = re.compile(r"\s*([\w ]+):\s*((?:\"[^\"]*\")|[^,]*)(?:,|$)")


def parse_parameters(text: str) -> ImageParameters:
    """Read the A1111 text back; raises ValueError when the settings line is missing."""
    lines = text.strip("\n").split("\n")
    settings_line = lines[-1]
    fields = {k.strip(): v.strip() for k, v in _FIELD.findall(settings_line)}
    if "Steps" not in fields or "Seed" not in fields:
        raise ValueError("no A1111 settings line (Steps: …, Seed: …) in the parameters text")
    body = lines[:-1]
    negative = ""
    for i, line in enumerate(body):
        if line.startswith("Negative prompt: "):
            negative = "\n".join([line.removeprefix("Negative prompt: "), *body[i + 1 :]])
            body = body[:i]
            break
    width, height = (int(v) for v in fields["Size"].split("x"))
    strength = fields.get("Denoising strength")
    return ImageParameters(
        prompt="\n".join(body),
        negative_prompt=negative,
        steps=int(fields["Steps"]),
        sampler=fields.get("Sampler", ""),
        cfg_scale=float(fields.get("CFG scale", "0")),
        seed=int(fields["Seed"]),
        width=width,
        height=height,
        model=fields.get("Model", ""),
        denoising_strength=float(strength) if strength else None,
        vae=fields.get("VAE") or None,
    )
