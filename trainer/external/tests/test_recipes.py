"""Runs each recipe for a few steps on the CPU, on folders written by Feedloop's own exporters.

  FEEDLOOP_EXPORTS=<dir with one export folder per format> python -m pytest trainer/external/tests

`npm run test:recipes` makes those folders (imports the shared Anthropic HH file into a fresh
database, snapshots it and exports it with the product's exporters) and then runs this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPES = os.path.dirname(HERE)
EXPORTS = os.environ.get("FEEDLOOP_EXPORTS", "")

sys.path.insert(0, RECIPES)
sys.path.insert(0, HERE)

from export_folder import ExportFolderError, load_for_method  # noqa: E402
from tiny_model import make_tiny_model  # noqa: E402

CASES = [("reward_model.py", "trl-preference"), ("dpo.py", "trl-preference"), ("kto.py", "kto"), ("sft.py", "sft")]


def export_dir(fmt: str) -> str:
    path = os.path.join(EXPORTS, fmt)
    if not os.path.isdir(path):
        pytest.fail(f"no export folder for {fmt} under FEEDLOOP_EXPORTS={EXPORTS!r}: run `npm run test:recipes`")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return make_tiny_model(export_dir("trl-preference"), str(tmp_path_factory.mktemp("tiny-qwen2")))


@pytest.mark.parametrize("script,fmt", CASES)
def test_recipe_trains_on_export(script: str, fmt: str, tiny_model: str, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, os.path.join(RECIPES, script), "--data", export_dir(fmt), "--model", tiny_model, "--output", str(out),
           "--max-steps", "3", "--batch-size", "2", "--gradient-accumulation", "1", "--max-length", "256", "--learning-rate", "1e-3"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode == 0, result.stderr[-4000:]
    metrics = json.load(open(out / "metrics.json", encoding="utf-8"))
    losses = [entry["loss"] for entry in metrics["log_history"] if "loss" in entry]
    assert len(losses) == 3 and all(loss == loss and loss > 0 for loss in losses)  # three finite, positive losses
    assert os.path.isfile(out / "model.safetensors") or os.path.isfile(out / "adapter_model.safetensors")
    if fmt == "trl-preference" and script == "reward_model.py":
        assert 0.0 <= metrics["eval"]["eval_accuracy"] <= 1.0


def test_wrong_format_fails_in_words():
    with pytest.raises(ExportFolderError, match="kto needs the fields"):
        load_for_method(export_dir("trl-preference"), "kto")


def test_folder_without_card_fails_in_words(tmp_path):
    with pytest.raises(ExportFolderError, match="no README.md"):
        load_for_method(str(tmp_path), "dpo")
