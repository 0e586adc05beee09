"""SFT on a Feedloop `sft` ({prompt, completion}) or `sft-messages` ({messages}) export.
The loss covers the completion (or the assistant turns) only: the prompt is given, not learned.

  accelerate launch --config_file accelerate/single-gpu.yaml sft.py --data export/ --model Qwen/Qwen2.5-0.5B --output out/sft
"""

from recipe import run_recipe
from trl import SFTConfig, SFTTrainer

if __name__ == "__main__":
    run_recipe("sft", SFTConfig, SFTTrainer, {"learning_rate": 2e-5})
