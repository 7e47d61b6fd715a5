"""Event-paired encoder training: the frames and captions it pairs, and its loss."""
from __future__ import annotations

import open_clip
import pytest
import torch

from foley_studio.encoders.clip import ClipEncoder
from foley_studio.encoders.train_clip import (EVENT_WORDS, QUIET_FRAMES, event_frame_pair,
                                              event_pair_batches, soft_contrastive_loss)
from foley_studio.errors import ConfigError

TIMES = torch.arange(100, dtype=torch.float32) / 25  # (F,) frame times at 25 fps


@pytest.fixture(scope="module")
def encoder():
    return ClipEncoder.tiny(seed=0)


def test_a_pair_is_an_event_frame_and_a_frame_away_from_every_event():
    gen = torch.Generator().manual_seed(0)
    events = [0.4, 1.0, 2.48]
    for _ in range(50):
        event, quiet = event_frame_pair(TIMES, events, gen)
        assert event in (10, 25, 62)
        assert min(abs(quiet - f) for f in (10, 25, 62)) >= QUIET_FRAMES


def test_batches_caption_the_event_frame_and_mark_equal_captions(encoder):
    frames = torch.zeros(3, 100, 8, 8, 3, dtype=torch.uint8)  # (N, F, H, W, 3)
    captions = ["a ball bouncing", "wind in the trees", "a ball bouncing"]
    stream = event_pair_batches(frames, TIMES[None].expand(3, -1), captions, [[0.4], [], [1.0]],
                                encoder.tokenizer, 6, 16, 0, torch.device("cpu"))
    batch = next(stream)
    assert batch["pixels"].shape == (6, 3, 16, 16) and batch["tokens"].shape[0] == 6
    same = batch["same"]
    assert torch.equal(same, same.T) and torch.equal(same.diagonal(), torch.ones(6))
    assert same.sum() == 6 + 2 + 2 + 2  # the eventless clip's two rows; two equal captions twice
    assert EVENT_WORDS.startswith(",")
    with pytest.raises(ConfigError, match="batch-size"):
        next(event_pair_batches(frames, TIMES[None].expand(3, -1), captions, [[], [], []],
                                encoder.tokenizer, 8, 16, 0, torch.device("cpu")))


def test_with_distinct_captions_the_loss_is_clips_own(encoder):
    torch.manual_seed(0)
    pixels = torch.rand(4, 3, 32, 32)
    tokens = encoder.tokenizer(["a", "b c", "d e f", "g"])
    batch = {"pixels": pixels, "tokens": tokens, "same": torch.eye(4)}
    value, _ = soft_contrastive_loss(encoder.network, batch)
    model = encoder.network
    image = torch.nn.functional.normalize(model.encode_image(pixels), dim=-1)
    text = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1)
    expected = open_clip.ClipLoss()(image, text, model.model.logit_scale.exp())
    assert torch.allclose(value, expected, atol=1e-5)
