"""A Bradley-Terry reward model on a Feedloop `trl-preference` export (prompt, chosen, rejected,
optional margin). Reports TRL's `accuracy` and `margin` on the held-out split.

  accelerate launch --config_file accelerate/single-gpu.yaml reward_model.py --data export/ --model Qwen/Qwen2.5-0.5B-Instruct --output out/rm
"""

from recipe import run_recipe, torch_dtype
from transformers import AutoModelForSequenceClassification
from trl import RewardConfig, RewardTrainer


def load_reward_model(args, tokenizer):
    """The base model with a scalar head (one label: the reward)."""
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=1, dtype=torch_dtype())
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


if __name__ == "__main__":
    run_recipe("reward", RewardConfig, RewardTrainer, {"learning_rate": 1e-5}, load_model=load_reward_model, task_type="SEQ_CLS")
