"""Which decoder made a draft is recorded on its asset and in its PNG parameters."""

from PIL import Image

from bot.jobs import rows as jobs
from bot.jobs.generation import run_generation_job
from bot.media.png_params import CHUNK, parse_parameters
from bot.store.assets import asset_path
from bot.store.database import Store
from models.runner import ModelRunner


def test_a_taesd_draft_records_its_decoder_and_a_vae_draft_records_none(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    assets_dir = tmp_path / "assets"
    params = {"tier": "draft", "prompt": "a kite", "width": 128, "height": 128, "seeds": [3]}
    found = {}
    for decoder in ("taesd", "vae"):
        job = jobs.create_job(store, "draft", params, user_id="U1", channel_id="C1")
        runner = ModelRunner("tiny", device="cpu", draft_decoder=decoder)
        [asset] = run_generation_job(job, runner, store, assets_dir, lambda *a: None, lambda: False)
        with Image.open(asset_path(assets_dir, asset)) as png:
            found[decoder] = (asset["decoder"], parse_parameters(png.text[CHUNK]).vae)
    assert found == {"taesd": ("dailies/tiny-taesd",) * 2, "vae": (None, None)}
