"""DAILIES_CONFIG's [families.*] and [loras.*] tables: a bad table stops the bot at start."""

import pytest

from bot.config import ConfigError, load_settings

MIXED = """
models = "mixed"
[families.mixed]
extras = "tiny"
loader = "tiny"
[families.mixed.tiers.draft]
backend = "diffusers"
model = "dailies/tiny-sdxl-draft"
native_side = 128
default_steps = 2
max_steps = 8
guidance = 0.0
[families.mixed.tiers.final]
backend = "gemini"
model = "gemini-3-pro-image-preview"
[loras.brand]
file = "/loras/brand.safetensors"
weight = 0.8
trigger = ["brandstyle", "flat colours"]
"""


def config(tmp_path, text):
    path = tmp_path / "dailies.toml"
    path.write_text(text)
    return str(path)


def test_families_and_loras_tables_are_kept_and_the_key_read(tmp_path):
    settings = load_settings(
        {
            "DAILIES_CONFIG": config(tmp_path, MIXED),
            "GEMINI_API_KEY": "k-1",
            "DAILIES_GEMINI_BASE_URL": "http://127.0.0.1:9",
        }
    )
    assert settings.models == "mixed" and settings.gemini_api_key == "k-1"
    assert settings.gemini_base_url == "http://127.0.0.1:9"
    assert settings.families["mixed"]["tiers"]["final"]["backend"] == "gemini"
    assert settings.loras["brand"]["weight"] == 0.8


def test_a_gemini_tier_without_a_key_is_refused_at_start(tmp_path):
    with pytest.raises(
        ConfigError,
        match="GEMINI_API_KEY is not set: the mixed models run their final tier on the Gemini API",
    ):
        load_settings({"DAILIES_CONFIG": config(tmp_path, MIXED)})


def test_an_unknown_family_is_refused_naming_the_known_ones(tmp_path):
    with pytest.raises(
        ConfigError, match="unknown model family 'house'; known families: mixed, sdxl, tiny"
    ):
        load_settings(
            {
                "DAILIES_CONFIG": config(tmp_path, MIXED),
                "DAILIES_MODELS": "house",
                "GEMINI_API_KEY": "k",
            }
        )


def test_an_incomplete_family_names_the_missing_key(tmp_path):
    text = MIXED.replace('model = "gemini-3-pro-image-preview"\n', "")
    with pytest.raises(
        ConfigError, match="model family 'mixed', tier 'final': missing key `model`"
    ):
        load_settings({"DAILIES_CONFIG": config(tmp_path, text), "GEMINI_API_KEY": "k"})


def test_a_lora_with_neither_file_nor_repo_is_refused(tmp_path):
    text = MIXED.replace('file = "/loras/brand.safetensors"\n', "")
    with pytest.raises(ConfigError, match="LoRA 'brand': give exactly one of `file` or `repo`"):
        load_settings({"DAILIES_CONFIG": config(tmp_path, text), "GEMINI_API_KEY": "k"})
