"""One settings object for the whole bot.

Nothing else in the project reads ``os.environ``: tests build a ``Settings`` directly, the CLI
builds one from the environment (and an optional TOML file), and every component receives it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the bot. Field names map to ``DAILIES_*``/``SLACK_*`` variables (see ENV)."""

    home: Path = field(default_factory=lambda: Path.home() / ".dailies")
    # "auto": sdxl where a CUDA GPU is present, tiny otherwise (bot/runtime.py resolves it).
    models: str = "auto"
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Override the tiers' native side (pixels); 0 keeps the family's preset.
    draft_side: int = 0
    final_side: int = 0
    # How many worker threads run jobs; 0 means one per device (one per GPU, else one).
    workers: int = 0
    # How long to wait for Slack to process an uploaded file before referencing it.
    file_share_timeout_s: float = 20.0
    # Minimum seconds between two progress edits of one message (Slack: ~1/s per message).
    progress_interval_s: float = 1.0
    rate_limit_retries: int = 3
    # CIEDE2000 distance above which a result's dominant colour is flagged off-palette.
    palette_delta_e: float = 10.0
    # How many times one clip may be extended by another chunk (each re-encodes the whole clip).
    max_clip_extensions: int = 4
    # Edit in place: image-to-image strengths of "Vary subtle" / "Vary strong".
    vary_subtle_strength: float = 0.35
    vary_strong_strength: float = 0.7
    # Largest mask file a person may upload with `edit #N` (bytes).
    edit_mask_max_bytes: int = 20 * 1024 * 1024
    # Upscale refuses outputs wider or taller than this (pixels).
    upscale_max_side: int = 4096
    # Bounds of a custom "Resize to formats" size, per side (pixels).
    resize_min_side: int = 256
    resize_max_side: int = 4096
    # Image-to-image strength of a thread reply's new iteration: low enough to keep the pick's
    # composition, high enough for the change to show.
    iterate_strength: float = 0.6
    # Images per pipeline call on one device (0: the runner's default, 8); chunks above it.
    max_batch: int = 0
    # Merge compatible queued jobs of different people into one batch ("on" / "off").
    cross_batch: str = "on"
    # Decoder of draft images: "vae" (the family's own) or "taesd" (AutoencoderTiny, faster).
    draft_decoder: str = "vae"
    # torch.compile the UNets and decoders at worker start ("on" / "off"; GPU workers).
    compile: str = "off"
    # channels_last memory format for UNets and VAE ("on" / "off").
    channels_last: str = "off"
    export_max_bytes: int = 500 * 1024 * 1024
    # Automatic QC flags (bot/quality/flags.py): perceptual-hash bits (of 64) at or below which a
    # variant is a near-duplicate of a sibling; Laplacian variance below which an image is flat;
    # share of pixels clipped (luminance >= 250 or <= 5) past which highlights/shadows are flagged.
    qc_duplicate_bits: int = 8
    qc_flat_variance: float = 30.0
    qc_clip_share: float = 0.3
    # Price of one device-hour, to show stats in money; 0 leaves stats in device seconds.
    cost_per_gpu_hour: float = 0.0
    cost_per_cpu_hour: float = 0.0
    cost_currency: str = "$"
    # Where jobs run: "embedded" (worker threads in this process) or "ray" (actors on a cluster).
    engine: str = "embedded"
    # Ray cluster to join: "auto", "ray://host:10001", or empty to start a local Ray.
    ray_address: str = ""
    # Ray generation workers (actors); 0 means one per GPU in the cluster, else one.
    ray_workers: int = 0
    # Most Ray workers the pool grows to while jobs wait (0: no growth beyond DAILIES_RAY_WORKERS).
    ray_max_workers: int = 0
    # Seconds a worker above the minimum may sit idle before it gives back its actor (and GPU).
    ray_idle_s: float = 300.0
    # GPUs each Ray worker reserves (a fraction lets a small family share a GPU).
    ray_gpus_per_worker: float = 1.0
    # [families.NAME] and [loras.NAME] tables of the TOML file, as written (checked on load by
    # models/families.py and models/lora.py).
    families: dict[str, Any] = field(default_factory=dict)
    loras: dict[str, Any] = field(default_factory=dict)
    # The Gemini API, for tiers with backend = "gemini"; "" base URL means Google's endpoint.
    gemini_api_key: str = ""
    gemini_base_url: str = ""
    gemini_timeout_s: float = 120.0
    # Threads per hosted backend: how many of its calls may wait at once (bot/jobs/lanes.py).
    hosted_workers: int = 4
    # Delivery (issue 10). slack_sdk retries of one call on HTTP 5xx (ServerErrorRetryHandler).
    server_error_retries: int = 2
    # Results that could not be posted are tried again after this many seconds, doubling each
    # time, this many times; then only **Post again** (or the next start) tries again.
    delivery_retry_s: float = 10.0
    delivery_retries: int = 8
    # A job that was running when the process stopped this many times is failed, not resumed.
    max_resumes: int = 2
    # Seconds a job may run before it is failed as hung ("kind=seconds,…" per kind; 0: no limit).
    job_timeout_s: float = 0.0
    job_timeouts: str = ""
    # On SIGTERM/SIGINT: seconds running steps get to reach a checkpoint before the process exits.
    shutdown_grace_s: float = 20.0
    # Threads that run listeners' work after the ack (Bolt's pool; its default is 5).
    listener_threads: int = 32
    # Where person-uploaded files (edit masks) may be downloaded from, with the bot token:
    # host names (https only) or exact origins such as http://127.0.0.1:8123 for a local imitation.
    slack_file_hosts: str = "files.slack.com"
    # Logging: a level name, and "text" or "json" (one JSON object per line).
    log_level: str = "INFO"
    log_format: str = "text"
    # Slack's rate limits as the bot's own budget (bot/slack/rate_budget.py): posts per second
    # per channel and their burst; the longest a post waits for its turn before it goes anyway;
    # chat.update per minute (Tier 3) and views.publish per minute (Tier 4), with one burst.
    post_rate_per_s: float = 1.0
    post_burst: int = 3
    post_max_wait_s: float = 30.0
    edit_rate_per_min: float = 50.0
    edit_burst: int = 5
    publish_rate_per_min: float = 100.0

    @property
    def db_path(self) -> Path:
        return self.home / "dailies.db"

    @property
    def assets_dir(self) -> Path:
        return self.home / "assets"

    def job_timeout_for(self, kind: str) -> float:
        """Seconds a job of this kind may run (0: no limit): its entry in ``job_timeouts``,
        else ``job_timeout_s``."""
        return parse_job_timeouts(self.job_timeouts).get(kind, self.job_timeout_s)

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)


# Environment variable → Settings field.
ENV: dict[str, str] = {
    "DAILIES_HOME": "home",
    "DAILIES_MODELS": "models",
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "SLACK_APP_TOKEN": "slack_app_token",
    "SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SLACK_API_URL": "slack_api_url",
    "DAILIES_DRAFT_SIDE": "draft_side",
    "DAILIES_FINAL_SIDE": "final_side",
    "DAILIES_WORKERS": "workers",
    "DAILIES_FILE_SHARE_TIMEOUT": "file_share_timeout_s",
    "DAILIES_PROGRESS_INTERVAL": "progress_interval_s",
    "DAILIES_RATE_LIMIT_RETRIES": "rate_limit_retries",
    "DAILIES_PALETTE_DELTA_E": "palette_delta_e",
    "DAILIES_MAX_CLIP_EXTENSIONS": "max_clip_extensions",
    "DAILIES_VARY_SUBTLE_STRENGTH": "vary_subtle_strength",
    "DAILIES_VARY_STRONG_STRENGTH": "vary_strong_strength",
    "DAILIES_EDIT_MASK_MAX_BYTES": "edit_mask_max_bytes",
    "DAILIES_UPSCALE_MAX_SIDE": "upscale_max_side",
    "DAILIES_RESIZE_MIN_SIDE": "resize_min_side",
    "DAILIES_RESIZE_MAX_SIDE": "resize_max_side",
    "DAILIES_ITERATE_STRENGTH": "iterate_strength",
    "DAILIES_MAX_BATCH": "max_batch",
    "DAILIES_CROSS_BATCH": "cross_batch",
    "DAILIES_DRAFT_DECODER": "draft_decoder",
    "DAILIES_COMPILE": "compile",
    "DAILIES_CHANNELS_LAST": "channels_last",
    "DAILIES_EXPORT_MAX_BYTES": "export_max_bytes",
    "DAILIES_QC_DUPLICATE_BITS": "qc_duplicate_bits",
    "DAILIES_QC_FLAT_VARIANCE": "qc_flat_variance",
    "DAILIES_QC_CLIP_SHARE": "qc_clip_share",
    "DAILIES_COST_PER_GPU_HOUR": "cost_per_gpu_hour",
    "DAILIES_COST_PER_CPU_HOUR": "cost_per_cpu_hour",
    "DAILIES_COST_CURRENCY": "cost_currency",
    "DAILIES_ENGINE": "engine",
    "DAILIES_RAY_ADDRESS": "ray_address",
    "DAILIES_RAY_WORKERS": "ray_workers",
    "DAILIES_RAY_MAX_WORKERS": "ray_max_workers",
    "DAILIES_RAY_IDLE_S": "ray_idle_s",
    "DAILIES_RAY_GPUS_PER_WORKER": "ray_gpus_per_worker",
    "GEMINI_API_KEY": "gemini_api_key",
    "DAILIES_GEMINI_BASE_URL": "gemini_base_url",
    "DAILIES_GEMINI_TIMEOUT": "gemini_timeout_s",
    "DAILIES_HOSTED_WORKERS": "hosted_workers",
    "DAILIES_SERVER_ERROR_RETRIES": "server_error_retries",
    "DAILIES_DELIVERY_RETRY": "delivery_retry_s",
    "DAILIES_DELIVERY_RETRIES": "delivery_retries",
    "DAILIES_MAX_RESUMES": "max_resumes",
    "DAILIES_JOB_TIMEOUT": "job_timeout_s",
    "DAILIES_JOB_TIMEOUTS": "job_timeouts",
    "DAILIES_SHUTDOWN_GRACE": "shutdown_grace_s",
    "DAILIES_LISTENER_THREADS": "listener_threads",
    "DAILIES_SLACK_FILE_HOSTS": "slack_file_hosts",
    "DAILIES_LOG_LEVEL": "log_level",
    "DAILIES_LOG_FORMAT": "log_format",
    "DAILIES_POST_RATE": "post_rate_per_s",
    "DAILIES_POST_BURST": "post_burst",
    "DAILIES_POST_MAX_WAIT": "post_max_wait_s",
    "DAILIES_EDIT_RATE": "edit_rate_per_min",
    "DAILIES_EDIT_BURST": "edit_burst",
    "DAILIES_PUBLISH_RATE": "publish_rate_per_min",
}
# TOML tables (not environment variables): name → what each entry describes.
TABLES = {"families": "model family", "loras": "LoRA"}

# Settings that are a switch: the accepted words for on and off.
SWITCHES = {
    "cross_batch": "DAILIES_CROSS_BATCH",
    "compile": "DAILIES_COMPILE",
    "channels_last": "DAILIES_CHANNELS_LAST",
}
ON_WORDS, OFF_WORDS = ("on", "true", "1", "yes"), ("off", "false", "0", "no")


def switch_on(value: str) -> bool:
    """An on/off setting's value as a bool (values were checked by load_settings)."""
    return value.strip().lower() in ON_WORDS


def parse_job_timeouts(text: str) -> dict[str, float]:
    """``draft=120,animate_hd=900`` → {kind: seconds}; ConfigError names a bad entry."""
    limits: dict[str, float] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        kind, _, seconds = entry.partition("=")
        try:
            limits[kind.strip()] = float(seconds)
        except ValueError:
            raise ConfigError(
                f"DAILIES_JOB_TIMEOUTS entries look like draft=120, got {entry!r}"
            ) from None
    return limits


def _coerce(name: str, raw: object, kind: type) -> object:
    if kind is Path:
        return Path(str(raw)).expanduser()
    if kind in (int, float):
        try:
            return kind(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    return str(raw)


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Settings from an optional TOML file, then the environment (the environment wins).

    The TOML file uses the field names (``models = "tiny"``); ``DAILIES_CONFIG`` names it when
    ``config_file`` is not given.
    """
    environ = os.environ if environ is None else environ
    kinds = {f.name: f.type for f in fields(Settings)}
    type_of = {"Path": Path, "int": int, "float": float, "str": str}
    values: dict[str, object] = {}
    path = config_file or (
        Path(environ["DAILIES_CONFIG"]) if environ.get("DAILIES_CONFIG") else None
    )
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        for key, raw in data.items():
            if key in TABLES:
                if not isinstance(raw, dict):
                    raise ConfigError(f"`{key}` in {path} must be tables ([{key}.NAME])")
                values[key] = raw
                continue
            if key not in kinds:
                raise ConfigError(f"unknown setting {key!r} in {path}")
            values[key] = _coerce(key, raw, type_of[str(kinds[key])])
    for var, name in ENV.items():
        if environ.get(var):
            values[name] = _coerce(var, environ[var], type_of[str(kinds[name])])
    settings = Settings(**values)  # type: ignore[arg-type]
    if not 0.0 < settings.iterate_strength <= 1.0:
        raise ConfigError(
            f"DAILIES_ITERATE_STRENGTH must be in (0, 1], got {settings.iterate_strength}"
        )
    for name, var in SWITCHES.items():
        if str(getattr(settings, name)).strip().lower() not in ON_WORDS + OFF_WORDS:
            raise ConfigError(f"{var} must be on or off, got {getattr(settings, name)!r}")
    if settings.draft_decoder not in ("vae", "taesd"):
        raise ConfigError(
            f"DAILIES_DRAFT_DECODER must be vae or taesd, got {settings.draft_decoder!r}"
        )
    if settings.max_batch < 0:
        raise ConfigError(
            f"DAILIES_MAX_BATCH must be 0 (default) or more, got {settings.max_batch}"
        )
    if settings.engine not in ("embedded", "ray"):
        raise ConfigError(f"DAILIES_ENGINE must be embedded or ray, got {settings.engine!r}")
    if not 0.0 < settings.ray_gpus_per_worker <= 8:
        raise ConfigError(
            f"DAILIES_RAY_GPUS_PER_WORKER must be in (0, 8], got {settings.ray_gpus_per_worker}"
        )
    parse_job_timeouts(settings.job_timeouts)
    if settings.log_format.lower() not in ("text", "json"):
        raise ConfigError(f"DAILIES_LOG_FORMAT must be text or json, got {settings.log_format!r}")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(
            f"DAILIES_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {settings.log_level!r}"
        )
    check_models(settings)
    if not settings.slack_api_url.endswith("/"):
        settings = settings.with_overrides(slack_api_url=settings.slack_api_url + "/")
    return settings


def check_models(settings: Settings) -> None:
    """Refuse at start what would fail in the first job: an unknown or incomplete family, a bad
    LoRA table, or a Gemini tier in the chosen family with no key."""
    from models.families import FamilyError, family_registry, pick_family
    from models.lora import LoraError, parse_loras

    try:
        family = pick_family(family_registry(settings.families), settings.models)
        parse_loras(settings.loras)
    except (FamilyError, LoraError) as exc:
        raise ConfigError(str(exc)) from None
    hosted = [t for t in family.tiers.values() if t.backend == "gemini"]
    if hosted and not settings.gemini_api_key:
        raise ConfigError(
            f"GEMINI_API_KEY is not set: the {family.name} models run their {hosted[0].name} "
            f"tier on the Gemini API ({hosted[0].model_id})."
        )
