"""A Bradley-Terry reward model on a Feedloop `trl-preference` export (prompt, chosen, rejected,
optional margin). Reports TRL's `accuracy` and `margin` on the held-out split.

  accelerate launch --config_file accelerate/single-gpu.yaml reward_model.py --data export/ --model Qwen/Qwen2.5-0.5B-Instruct --output out/rm
"""

from export_folder import load_for_method
from recipe import common_training_args, finish, load_tokenizer, parse_args, peft_config, torch_dtype
from transformers import AutoModelForSequenceClassification
from trl import RewardConfig, RewardTrainer


def main():
    args = parse_args("reward", {"learning_rate": 1e-5})
    data = load_for_method(args.data, "reward")
    tokenizer = load_tokenizer(args.model)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=1, dtype=torch_dtype())
    model.config.pad_token_id = tokenizer.pad_token_id
    config = RewardConfig(**common_training_args(args), max_length=args.max_length)
    trainer = RewardTrainer(
        model=model,
        args=config,
        train_dataset=data["train"],
        eval_dataset=data.get("test"),
        processing_class=tokenizer,
        peft_config=peft_config(args, "SEQ_CLS"),
    )
    trainer.train()
    finish(trainer, args, "reward")


if __name__ == "__main__":
    main()
