"""Reads a Feedloop export folder: the dataset card (README.md with a YAML header) and its files.

`npx feedloop export --format <f> --out <dir>` (or Datasets -> Download folder) writes one file per
split and a Hugging Face dataset card whose YAML header lists them under `configs[].data_files`.
The recipes read the card rather than guessing file names, and check the fields each method needs
before any model is loaded, so a wrong export fails in a second with a sentence, not after an hour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml
from datasets import DatasetDict, load_dataset

# The columns each method needs, as TRL reads them (any one alternative is enough).
REQUIRED_FIELDS: dict[str, list[set[str]]] = {
    "reward": [{"prompt", "chosen", "rejected"}, {"chosen", "rejected"}],
    "dpo": [{"prompt", "chosen", "rejected"}, {"chosen", "rejected"}],
    "kto": [{"prompt", "completion", "label"}],
    "sft": [{"prompt", "completion"}, {"messages"}],
}

LOADERS = {".jsonl": "json", ".json": "json", ".gz": "json", ".parquet": "parquet", ".csv": "csv"}


class ExportFolderError(ValueError):
    """The folder is not a Feedloop export this recipe can train on."""


@dataclass
class ExportFolder:
    path: str
    card: dict
    data_files: dict[str, str]


def read_card(folder: str) -> dict:
    card_path = os.path.join(folder, "README.md")
    if not os.path.isfile(card_path):
        raise ExportFolderError(f"{folder} has no README.md: export a folder (with its dataset card), not a single file")
    text = open(card_path, encoding="utf-8").read()
    if not text.startswith("---\n"):
        raise ExportFolderError(f"{card_path} has no YAML header")
    header, _, _ = text[4:].partition("\n---")
    card = yaml.safe_load(header) or {}
    if not isinstance(card, dict) or not card.get("configs"):
        raise ExportFolderError(f"{card_path}: the YAML header lists no configs")
    return card


def open_export_folder(folder: str) -> ExportFolder:
    card = read_card(folder)
    config = card["configs"][0]
    data_files: dict[str, str] = {}
    for entry in config.get("data_files", []):
        path = os.path.join(folder, entry["path"])
        if not os.path.isfile(path):
            raise ExportFolderError(f"the card lists {entry['path']} for split {entry['split']}, but the file is missing")
        data_files[entry["split"]] = path
    if "train" not in data_files:
        raise ExportFolderError("the export has no train split")
    return ExportFolder(path=folder, card=card, data_files=data_files)


def load_for_method(folder: str, method: str) -> DatasetDict:
    """The export's splits as a DatasetDict, after checking it carries the fields `method` needs."""
    export = open_export_folder(folder)
    suffix = os.path.splitext(export.data_files["train"])[1]
    loader = LOADERS.get(suffix)
    if loader is None:
        raise ExportFolderError(f"cannot read {export.data_files['train']}: use JSONL, Parquet or CSV")
    dataset = load_dataset(loader, data_files=export.data_files)
    columns = set(dataset["train"].column_names)
    if not any(fields <= columns for fields in REQUIRED_FIELDS[method]):
        wanted = " or ".join("{" + ", ".join(sorted(f)) + "}" for f in REQUIRED_FIELDS[method])
        raise ExportFolderError(f"{method} needs the fields {wanted}; this export has {{{', '.join(sorted(columns))}}}. Export with the matching --format")
    if len(dataset["train"]) == 0:
        raise ExportFolderError("the train split is empty")
    # Extra fields (margin, ids) are kept only where the trainer reads them.
    keep = set().union(*REQUIRED_FIELDS[method]) | ({"margin"} if method == "reward" else set())
    return dataset.remove_columns([c for c in columns if c not in keep])
