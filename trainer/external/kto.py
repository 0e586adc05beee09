"""KTO on a Feedloop `kto` export: prompt, completion, label (thumbs, or scores past a threshold).

  accelerate launch --config_file accelerate/single-gpu.yaml kto.py --data export/ --model Qwen/Qwen2.5-0.5B-Instruct --output out/kto
"""

from recipe import run_recipe
from trl import KTOConfig, KTOTrainer

if __name__ == "__main__":
    run_recipe("kto", KTOConfig, KTOTrainer, {"learning_rate": 5e-7}, beta=lambda args: args.beta)
