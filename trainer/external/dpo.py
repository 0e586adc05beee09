"""DPO on a Feedloop `trl-preference` (or `trl-preference-chat`) export: prompt, chosen, rejected.

  accelerate launch --config_file accelerate/single-gpu.yaml dpo.py --data export/ --model Qwen/Qwen2.5-0.5B-Instruct --output out/dpo
"""

from export_folder import load_for_method
from recipe import common_training_args, finish, load_tokenizer, parse_args, peft_config, torch_dtype
from transformers import AutoModelForCausalLM
from trl import DPOConfig, DPOTrainer


def main():
    args = parse_args("dpo", {"learning_rate": 5e-7})
    data = load_for_method(args.data, "dpo")
    tokenizer = load_tokenizer(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch_dtype())
    config = DPOConfig(**common_training_args(args), beta=args.beta, max_length=args.max_length)
    trainer = DPOTrainer(
        model=model,
        args=config,
        train_dataset=data["train"],
        eval_dataset=data.get("test"),
        processing_class=tokenizer,
        peft_config=peft_config(args, "CAUSAL_LM"),
    )
    trainer.train()
    finish(trainer, args, "dpo")


if __name__ == "__main__":
    main()
