"""SFT on a Feedloop `sft` ({prompt, completion}) or `sft-messages` ({messages}) export.

  accelerate launch --config_file accelerate/single-gpu.yaml sft.py --data export/ --model Qwen/Qwen2.5-0.5B --output out/sft
"""

from export_folder import load_for_method
from recipe import common_training_args, finish, load_tokenizer, parse_args, peft_config, torch_dtype
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer


def main():
    args = parse_args("sft", {"learning_rate": 2e-5})
    data = load_for_method(args.data, "sft")
    tokenizer = load_tokenizer(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch_dtype())
    # Loss on the completion (or the assistant turns) only: the prompt is given, not learned.
    config = SFTConfig(**common_training_args(args), max_length=args.max_length, completion_only_loss=None)
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=data["train"],
        eval_dataset=data.get("test"),
        processing_class=tokenizer,
        peft_config=peft_config(args, "CAUSAL_LM"),
    )
    trainer.train()
    finish(trainer, args, "sft")


if __name__ == "__main__":
    main()
