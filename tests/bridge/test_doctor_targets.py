"""``foley-studio doctor`` contacts each DAW target with a short timeout and says whether it answers."""
from __future__ import annotations

import dataclasses
import json

from bridge_doubles import live_target

from foley_studio.cli import main


def test_doctor_says_which_target_answers(live, tmp_path, capsys):
    preset = tmp_path / "live.json"
    preset.write_text(json.dumps({k: v for k, v in dataclasses.asdict(live_target(live)).items()
                                  if v is not None}))
    assert main(["doctor", "--target", str(preset)]) == 0
    daw = [line for line in capsys.readouterr().out.splitlines() if line.split()[1] == "daw"]
    assert len(daw) == 3
    answering = [line for line in daw if "answers" in line]
    assert len(answering) == 1 and answering[0].startswith("ok") and f":{live.port}" in answering[0]
