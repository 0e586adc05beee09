"""DPO on a Feedloop `trl-preference` (or `trl-preference-chat`) export: prompt, chosen, rejected.

  accelerate launch --config_file accelerate/single-gpu.yaml dpo.py --data export/ --model Qwen/Qwen2.5-0.5B-Instruct --output out/dpo
"""

from recipe import run_recipe
from trl import DPOConfig, DPOTrainer

if __name__ == "__main__":
    run_recipe("dpo", DPOConfig, DPOTrainer, {"learning_rate": 5e-7}, beta=lambda args: args.beta)
