"""Install lstm-tutorial into the current Python environment.

    python scripts/install.py          # the package
    python scripts/install.py --dev    # plus everything the tests need

PyTorch first: on Linux without an NVIDIA GPU, the CPU build from PyTorch's
CPU index (about 200 MB) instead of PyPI's default CUDA build (several GB);
pip still takes a CPU wheel it finds locally (its find-links) when that index
cannot be reached. Everywhere else, and when torch is already installed, pip's
normal choice. Then the package itself, editable.
"""

import argparse
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args], check=True)


def torch_installed() -> bool:
    return subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Install lstm-tutorial (and its test tools with --dev).")
    parser.add_argument("--dev", action="store_true", help="also install pytest, nbval, jupytext, JupyterLab...")
    args = parser.parse_args()

    if torch_installed():
        print("torch is already installed: keeping it")
    elif platform.system() == "Linux" and shutil.which("nvidia-smi") is None:
        print(f"No NVIDIA GPU found: installing the CPU build of torch ({CPU_INDEX})")
        pip("--quiet", "--retries", "1", "--timeout", "20", "torch", "--index-url", CPU_INDEX)
    target = f"{ROOT}[dev]" if args.dev else str(ROOT)
    pip("--quiet", "--editable", target)
    print("lstm-tutorial is installed: try `lstm-tutorial --help`")


if __name__ == "__main__":
    main()
