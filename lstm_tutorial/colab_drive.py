"""Where checkpoints go: Google Drive under Colab, ``./lstm_models`` elsewhere.

A Colab runtime is wiped when it disconnects; Drive is not. So under Colab
(detected as the blog post does, by ``google.colab`` in ``sys.modules``) we mount
Drive and save under ``MyDrive/``. If mounting fails or is declined, we say
so and fall back to a local folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

COLAB_MOUNT_POINT = "/content/drive"
DEFAULT_LOCAL_DIR = "./lstm_models"
DEFAULT_DRIVE_FOLDER = "lstm_models"


def in_colab() -> bool:
    return "google.colab" in sys.modules


def checkpoint_dir(
    local_dir: str | os.PathLike = DEFAULT_LOCAL_DIR,
    drive_folder: str = DEFAULT_DRIVE_FOLDER,
    mount_point: str | os.PathLike | None = None,
) -> Path:
    """Create and return the folder for checkpoints, printing where it is.

    Under Colab: ``{mount_point}/MyDrive/{drive_folder}`` after mounting Drive,
    or ``local_dir`` if the mount fails. Elsewhere: ``local_dir``.
    ``mount_point`` defaults to ``/content/drive``, as in the blog post.
    """
    mount_point = mount_point or COLAB_MOUNT_POINT
    if in_colab():
        try:
            from google.colab import drive

            drive.mount(str(mount_point))
            folder = Path(mount_point) / "MyDrive" / drive_folder
            folder.mkdir(parents=True, exist_ok=True)
            print(f"Checkpoint folder on Google Drive: {folder}")
            return folder
        except Exception as error:  # a declined or failed mount raises several types
            print(f"Could not mount Google Drive ({error}); checkpoints stay in this runtime and are lost "
                  f"when it disconnects.")
    folder = Path(local_dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Checkpoint folder: {folder}")
    return folder
