"""MP4s that play in Slack, browsers and QuickTime: H.264, yuv420p, even sides, faststart."""

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from bot.media.video import decode_mp4, encode_mp4


def frames(n, width, height):
    return [
        Image.fromarray(np.full((height, width, 3), (i * 20, 255 - i * 20, 90), np.uint8))
        for i in range(n)
    ]


def test_round_trip_keeps_frame_count_rate_size_and_colour(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(encode_mp4(frames(12, 64, 48), fps=6))
    meta = next(imageio_ffmpeg.read_frames(str(path)))
    assert meta["codec"].startswith("h264") and meta["pix_fmt"].startswith("yuv420p")
    info, decoded = decode_mp4(path)
    assert (info.width, info.height, info.fps, info.frames) == (64, 48, 6.0, 12)
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    for i in (0, 5, 11):
        assert np.abs(np.asarray(decoded[i], float) - (i * 20, 255 - i * 20, 90)).max() < 6


def test_index_comes_first_so_playback_starts_before_the_download_ends():
    data = encode_mp4(frames(3, 32, 32), fps=8)
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")


def test_odd_sides_are_cropped_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    path.write_bytes(encode_mp4(frames(2, 65, 49), fps=8))
    info, _ = decode_mp4(path)
    assert (info.width, info.height) == (64, 48)


def test_no_frames_is_an_error():
    with pytest.raises(ValueError, match="at least one frame"):
        encode_mp4([], fps=8)
