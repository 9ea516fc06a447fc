"""Stand-in for ``google.colab.drive``: the learner has granted access, Drive is a plain folder."""

import os

_mounted: set[str] = set()


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    """Make ``<mountpoint>/MyDrive`` and print what Colab prints.

    Like Colab's, refuses a mount point that already holds files other than a previous mount's
    ``MyDrive`` (the notebooks run one after the other share the same "Drive", as on Colab).
    """
    mountpoint = os.path.expanduser(str(mountpoint))
    if mountpoint in _mounted and not force_remount:
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
              f'call drive.mount("{mountpoint}", force_remount=True).')
        return
    if os.path.isdir(mountpoint) and set(os.listdir(mountpoint)) - {"MyDrive"}:
        raise ValueError("Mountpoint must not already contain files")
    os.makedirs(os.path.join(mountpoint, "MyDrive"), exist_ok=True)
    _mounted.add(mountpoint)
    print(f"Mounted at {mountpoint}")


def flush_and_unmount(timeout_ms=24 * 60 * 60 * 1000):
    _mounted.clear()
