"""What the four recipes share: arguments, model and tokenizer loading, the training arguments.

Each recipe is `accelerate launch --config_file accelerate/<setup>.yaml <method>.py --data <export folder>
--model <hub id or local path> --output <dir>`; the same command runs on one GPU, several, or several
machines, with DeepSpeed ZeRO-2/3 or FSDP2 chosen by the config file alone. On a machine without a
GPU it runs on the CPU (slowly: for checks, not for training).
"""

from __future__ import annotations

import argparse
import json
import os

import torch
from transformers import AutoTokenizer


def parse_args(method: str, defaults: dict | None = None) -> argparse.Namespace:
    defaults = {"learning_rate": 5e-6, "epochs": 1.0, **(defaults or {})}
    parser = argparse.ArgumentParser(description=f"Train with TRL ({method}) on a Feedloop export folder.")
    parser.add_argument("--data", required=True, help="an export folder: the data files and the README.md dataset card")
    parser.add_argument("--model", required=True, help="a Hugging Face model id or a local folder (e.g. Qwen/Qwen2.5-0.5B-Instruct)")
    parser.add_argument("--output", required=True, help="where the trained model and its metrics go")
    parser.add_argument("--learning-rate", type=float, default=defaults["learning_rate"])
    parser.add_argument("--epochs", type=float, default=defaults["epochs"])
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps (-1: the epochs decide)")
    parser.add_argument("--batch-size", type=int, default=4, help="per device")
    parser.add_argument("--gradient-accumulation", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024, help="prompt + completion tokens")
    parser.add_argument("--beta", type=float, default=0.1, help="DPO / KTO: strength of the pull toward the reference model")
    parser.add_argument("--lora-r", type=int, default=0, help="LoRA rank; 0 trains every weight")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def load_tokenizer(model: str):
    tokenizer = AutoTokenizer.from_pretrained(model)
    if tokenizer.pad_token is None:
        # Decoder-only models often ship without a pad token; padding with EOS is the usual choice.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def torch_dtype() -> torch.dtype:
    """bf16 where the GPU has it, fp32 elsewhere (CPU checks, older GPUs)."""
    return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32


def peft_config(args: argparse.Namespace, task_type: str):
    if args.lora_r <= 0:
        return None
    from peft import LoraConfig

    return LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.05, target_modules="all-linear", task_type=task_type)


def common_training_args(args: argparse.Namespace) -> dict:
    """Arguments every TRL config takes, named as TRL names them."""
    return {
        "output_dir": args.output,
        "learning_rate": args.learning_rate,
        "num_train_epochs": args.epochs,
        "max_steps": args.max_steps,
        "per_device_train_batch_size": args.batch_size,
        "per_device_eval_batch_size": args.batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation,
        "bf16": torch_dtype() == torch.bfloat16,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "seed": args.seed,
        "gradient_checkpointing": torch.cuda.is_available(),
    }


def finish(trainer, args: argparse.Namespace, method: str) -> dict:
    """Saves the model and writes metrics.json: the last training losses and the held-out evaluation."""
    metrics = {"method": method, "log_history": trainer.state.log_history}
    if trainer.eval_dataset is not None:
        metrics["eval"] = trainer.evaluate()
    trainer.save_model(args.output)
    if trainer.accelerator.is_main_process:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, "metrics.json"), "w", encoding="utf-8") as f:
            json.dump(metrics, f, indent=2, default=float)
    return metrics



def load_causal_lm(args: argparse.Namespace, tokenizer):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(args.model, dtype=torch_dtype())


def run_recipe(method: str, config_class, trainer_class, defaults: dict, load_model=load_causal_lm, task_type: str = "CAUSAL_LM", **config_args) -> dict:
    """The four recipes differ only in their TRL classes, the model head and a few settings: load
    the export, tokenizer and model, train, save."""
    from export_folder import load_for_method

    args = parse_args(method, defaults)
    data = load_for_method(args.data, method)
    tokenizer = load_tokenizer(args.model)
    model = load_model(args, tokenizer)
    extra = {name: value(args) if callable(value) else value for name, value in config_args.items()}
    config = config_class(**common_training_args(args), max_length=args.max_length, **extra)
    trainer = trainer_class(
        model=model,
        args=config,
        train_dataset=data["train"],
        eval_dataset=data.get("test"),
        processing_class=tokenizer,
        peft_config=peft_config(args, task_type),
    )
    trainer.train()
    return finish(trainer, args, method)
