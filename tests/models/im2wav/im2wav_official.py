"""Fake released checkpoints (official key names and layouts, tiny sizes, random values) and a
straightforward re-computation of the official LOW/UP functions, written from the reference notes."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

BINS, EMB, VQ_WIDTH, VQ_DEPTH = 16, 8, 8, 2
DOWNS, STRIDES = (1, 2), (2, 2)  # hops 2 and 8: the UP conditioner upsamples ×4 in two stages
WIDTH, DEPTH, LOW_CTX, UP_CTX, BLOCKS, CLIP, T_BINS = 16, 3, 16, 32, 4, 8, 8
COND_WIDTH, COND_DEPTH = 8, 2


def _rand(*shape: int, scale: float = 0.3) -> torch.Tensor:
    return torch.randn(*shape) * scale


def _resnet(prefix: str, width: int, depth: int, out: dict, inner: str = "model") -> None:
    for d in range(depth):
        out[f"{prefix}.{inner}.{d}.model.1.weight"] = _rand(width, width, 3)
        out[f"{prefix}.{inner}.{d}.model.1.bias"] = _rand(width)
        out[f"{prefix}.{inner}.{d}.model.3.weight"] = _rand(width, width, 1)
        out[f"{prefix}.{inner}.{d}.model.3.bias"] = _rand(width)


def vqvae_state() -> dict:
    """``encoders``/``decoders``/``bottleneck`` tensors as the released VQ-VAE names them."""
    out: dict = {}
    for level in range(2):
        for stage in range(level + 1):
            enc = f"encoders.{level}.level_blocks.{stage}.model"
            for i in range(DOWNS[stage]):
                out[f"{enc}.{i}.0.weight"] = _rand(VQ_WIDTH, 1 if stage == 0 and i == 0 else (
                    EMB if i == 0 else VQ_WIDTH), 2 * STRIDES[stage])
                out[f"{enc}.{i}.0.bias"] = _rand(VQ_WIDTH)
                _resnet(f"{enc}.{i}.1", VQ_WIDTH, VQ_DEPTH, out)
            out[f"{enc}.{DOWNS[stage]}.weight"] = _rand(EMB, VQ_WIDTH, 3)
            out[f"{enc}.{DOWNS[stage]}.bias"] = _rand(EMB)
            dec = f"decoders.{level}.level_blocks.{stage}.model"
            out[f"{dec}.0.weight"], out[f"{dec}.0.bias"] = _rand(VQ_WIDTH, EMB, 3), _rand(VQ_WIDTH)
            for i in range(DOWNS[stage]):
                _resnet(f"{dec}.{i + 1}.0", VQ_WIDTH, VQ_DEPTH, out)
                last = i == DOWNS[stage] - 1
                out[f"{dec}.{i + 1}.1.weight"] = _rand(VQ_WIDTH, EMB if last else VQ_WIDTH, 2 * STRIDES[stage])
                out[f"{dec}.{i + 1}.1.bias"] = _rand(EMB if last else VQ_WIDTH)
        out[f"decoders.{level}.out.weight"], out[f"decoders.{level}.out.bias"] = _rand(1, EMB, 3), _rand(1)
        out[f"bottleneck.level_blocks.{level}.k"] = _rand(BINS, EMB, scale=1.0)
    return out


def _transformer(n_ctx: int, out: dict) -> None:
    state = WIDTH // 4
    emb = _rand(BINS, WIDTH)
    out["prior.x_emb.weight"], out["prior.x_out.weight"] = emb, emb  # tied: the same tensor
    out["prior.pos_emb.pos_emb"] = _rand(n_ctx, WIDTH)
    for d in range(DEPTH):
        p = f"prior.transformer._attn_mods.{d}"
        for ln in ("ln_0", "ln_1"):
            out[f"{p}.{ln}.weight"], out[f"{p}.{ln}.bias"] = 1 + _rand(WIDTH, scale=0.1), _rand(WIDTH, scale=0.1)
        shapes = {"attn.c_attn": (WIDTH, 3 * state), "attn.c_proj": (state, WIDTH),
                  "mlp.c_fc": (WIDTH, WIDTH), "mlp.c_proj": (WIDTH, WIDTH)}
        for name, (n_in, n_out) in shapes.items():
            out[f"{p}.{name}.w"] = _rand(n_in, n_out).half()  # fp16 Conv1D weights, [in, out]
            out[f"{p}.{name}.b"] = _rand(n_out)


def _mlp(prefix: str, out: dict) -> None:
    out[f"{prefix}.sequential.0.weight"], out[f"{prefix}.sequential.0.bias"] = _rand(CLIP, CLIP), _rand(CLIP)
    out[f"{prefix}.sequential.3.weight"], out[f"{prefix}.sequential.3.bias"] = _rand(WIDTH, CLIP), _rand(WIDTH)


def low_state(n_ctx: int = LOW_CTX) -> dict:
    out: dict = {}
    _transformer(n_ctx, out)
    _mlp("y_emb.clip_map", out)
    _mlp("y_emb.video_map", out)
    out["y_emb.null_CLIP"], out["y_emb.null_video_CLIP"] = _rand(WIDTH), _rand(WIDTH)
    for name in ("total_length_emb", "absolute_pos_emb", "relative_pos_emb"):
        out[f"y_emb.{name}.emb.weight"] = _rand(T_BINS, WIDTH)
    return out


def up_state() -> dict:
    out: dict = {}
    _transformer(UP_CTX, out)
    _mlp("y_emb.clip_map", out)
    c = "conditioner_blocks.0"
    out[f"{c}.x_emb.weight"] = _rand(BINS, WIDTH)
    out[f"{c}.cond.model.0.weight"], out[f"{c}.cond.model.0.bias"] = _rand(COND_WIDTH, WIDTH, 3), _rand(COND_WIDTH)
    for i in (1, 2):
        _resnet(f"{c}.cond.model.{i}.0", COND_WIDTH, COND_DEPTH, out, inner="blocks")
        out_ch = WIDTH if i == 2 else COND_WIDTH
        out[f"{c}.cond.model.{i}.1.weight"], out[f"{c}.cond.model.{i}.1.bias"] = _rand(COND_WIDTH, out_ch, 4), _rand(out_ch)
    out[f"{c}.ln.weight"], out[f"{c}.ln.bias"] = 1 + _rand(WIDTH, scale=0.1), _rand(WIDTH, scale=0.1)
    return out


HPS_COMMON = {"sr": 16000, "levels": 2, "downs_t": DOWNS, "strides_t": STRIDES, "emb_width": EMB,
              "l_bins": BINS, "width": VQ_WIDTH, "depth": VQ_DEPTH, "m_conv": 1.0,
              "dilation_growth_rate": 3, "dilation_cycle": None, "vqvae_reverse_decoder_dilation": True,
              "l_mu": 0.99, "commit": 0.02, "hvqvae_multipliers": None}
HPS_PRIOR = {**HPS_COMMON, "prior_width": WIDTH, "prior_depth": DEPTH, "heads": 1, "attn_order": 2,
             "blocks": BLOCKS, "m_attn": 0.25, "m_mlp": 1.0, "t_bins": T_BINS, "min_duration": 2.05,
             "max_duration": 600.0, "cond_width": COND_WIDTH, "cond_depth": COND_DEPTH,
             "cond_dilation_growth_rate": 3, "cond_dilation_cycle": 8, "cond_c_res": 1}


def write_official(folder: Path, *, ddp_prefix: bool = True, low_ctx: int = LOW_CTX) -> dict[str, Path]:
    """torch.save the three files in the released layout; returns their paths."""
    states = {"vqvae": vqvae_state(), "low": low_state(low_ctx), "up": up_state()}
    hps = {"vqvae": HPS_COMMON, "low": {**HPS_PRIOR, "n_ctx": low_ctx, "level": 1, "video_clip_emb": True,
                                        "class_free_guidance_prob": 0.5},
           "up": {**HPS_PRIOR, "n_ctx": UP_CTX, "level": 0}}
    paths = {}
    for name, state in states.items():
        if ddp_prefix and name != "vqvae":
            state = {f"module.{k}": v for k, v in state.items()}
        paths[name] = folder / f"{name}.tar"
        torch.save({"hps": hps[name], "model": state, "opt": None, "step": 1234}, paths[name])
    return paths


# --------------------------------------------------------------------------- reference function
def _mlp_ref(sd: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    h = torch.relu(x @ sd[f"{prefix}.sequential.0.weight"].T + sd[f"{prefix}.sequential.0.bias"])
    return h @ sd[f"{prefix}.sequential.3.weight"].T + sd[f"{prefix}.sequential.3.bias"]


def _bin(value: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return torch.floor(T_BINS * (value - lo) / (hi - lo)).long()


def low_x_cond_ref(sd: dict, clip: torch.Tensor, total: float, offset: float, hop: int,
                   n_ctx: int = LOW_CTX, null: bool = False) -> tuple:
    """Start vector (W,) and x_cond (n_ctx, W) as the official LOW conditioner computes them
    for the window's frames ``clip`` (F, C); ``null``: the guidance's null branch."""
    sample_length = n_ctx * hop
    start = _mlp_ref(sd, "y_emb.clip_map", clip.mean(0))
    frames = np.round(np.linspace(0, 1, n_ctx) * (clip.shape[0] - 1)).astype(int)
    video = _mlp_ref(sd, "y_emb.video_map", clip)[torch.from_numpy(frames)]
    if null:
        start, video = sd["y_emb.null_CLIP"], sd["y_emb.null_video_CLIP"].expand(n_ctx, -1)
    t = torch.arange(n_ctx, dtype=torch.float32) / n_ctx
    pos = torch.tensor(offset) + (torch.tensor(offset + sample_length) - offset) * t
    rel_start, rel_end = torch.tensor(offset / total), torch.tensor(min((offset + sample_length) / total, 1.0))
    rel = rel_start + (rel_end - rel_start) * t
    x_cond = (sd["y_emb.total_length_emb.emb.weight"][_bin(torch.tensor(total), 32800, 9.6e6)][None]
              + sd["y_emb.absolute_pos_emb.emb.weight"][_bin(pos, 0, 9.6e6)]
              + sd["y_emb.relative_pos_emb.emb.weight"][_bin(rel, 0, 1.0)] + video)
    return start, x_cond


def _allowed(pattern: str, i: int, j: int, bc: int) -> bool:
    if pattern == "row":
        return i // bc == j // bc and j <= i
    if pattern == "column":
        return i % bc == j % bc and j <= i
    return j // bc == i // bc - 1  # previous row: no causal mask inside it


def transformer_ref(sd: dict, h: torch.Tensor, n_ctx: int) -> torch.Tensor:
    """The official stack on (T, W): masks of −1e9, scale 1/√n_state, quick_gelu, x + a + m."""
    bc, t = n_ctx // BLOCKS, h.shape[0]
    for d in range(DEPTH):
        p = f"prior.transformer._attn_mods.{d}"
        lin = lambda x, n: x @ sd[f"{p}.{n}.w"].float() + sd[f"{p}.{n}.b"]  # noqa: E731
        ln = lambda x, n: F.layer_norm(x, (WIDTH,), sd[f"{p}.{n}.weight"], sd[f"{p}.{n}.bias"], 1e-5)  # noqa: E731
        q, k, v = lin(ln(h, "ln_0"), "attn.c_attn").chunk(3, dim=-1)
        pattern = ("row", "column", "prev_row")[d % 3]
        rows = []
        for i in range(t):
            if pattern == "prev_row" and i // bc == 0:
                rows.append(torch.zeros(q.shape[1]))  # zero-padded keys and values
                continue
            mask = torch.tensor([float(_allowed(pattern, i, j, bc)) for j in range(t)])
            w = (q[i] @ k.T) / math.sqrt(q.shape[1])
            w = torch.softmax(w * mask + -1e9 * (1 - mask), dim=-1)
            rows.append(w @ v)
        a = lin(torch.stack(rows), "attn.c_proj")
        x = lin(ln(h + a, "ln_1"), "mlp.c_fc")
        h = h + a + lin(x * torch.sigmoid(1.702 * x), "mlp.c_proj")
    return h


def prior_logits_ref(sd: dict, tokens: torch.Tensor, start: torch.Tensor, x_cond: torch.Tensor,
                     n_ctx: int) -> torch.Tensor:
    """(T,) tokens → (T, V) logits: shift right, start at 0, + pos + x_cond, stack, + x_cond, tied out."""
    emb = sd["prior.x_emb.weight"]
    t = tokens.shape[0]
    h = torch.cat([start[None], emb[tokens[:-1]]]) + sd["prior.pos_emb.pos_emb"][:t] + x_cond[:t]
    h = transformer_ref(sd, h, n_ctx)
    return (h + x_cond[:t]) @ emb.T


def up_x_cond_ref(sd: dict, low_tokens: torch.Tensor) -> torch.Tensor:
    """Embed, conv k3, 2 × (increasing-dilation resnet, ConvTranspose k4 s2 p1), LayerNorm: (4T, W)."""
    c = "conditioner_blocks.0"
    x = sd[f"{c}.x_emb.weight"][low_tokens].T[None]  # (1, W, T)
    x = F.conv1d(x, sd[f"{c}.cond.model.0.weight"], sd[f"{c}.cond.model.0.bias"], padding=1)
    for i in (1, 2):
        for d in range(COND_DEPTH):
            r = f"{c}.cond.model.{i}.0.blocks.{d}.model"
            dil = 3 ** (d % 8)
            y = F.conv1d(torch.relu(x), sd[f"{r}.1.weight"], sd[f"{r}.1.bias"], padding=dil, dilation=dil)
            x = x + F.conv1d(torch.relu(y), sd[f"{r}.3.weight"], sd[f"{r}.3.bias"])
        x = F.conv_transpose1d(x, sd[f"{c}.cond.model.{i}.1.weight"], sd[f"{c}.cond.model.{i}.1.bias"],
                               stride=2, padding=1)
    return F.layer_norm(x[0].T, (WIDTH,), sd[f"{c}.ln.weight"], sd[f"{c}.ln.bias"], 1e-5)
