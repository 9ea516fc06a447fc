#!/bin/sh
# For .ci/run, as root, in a private mount namespace:
#   unshare --mount --propagation private tests/colab_standin/with_drive.sh COMMAND...
# /content becomes an empty tmpfs there, so the "Drive" the stand-in mounts at /content/drive lives in
# memory and is gone with the namespace: nothing is written to the machine. Runs COMMAND (the
# notebooks), then checks that notebook 5 saved its checkpoints on that Drive.
set -e
mount -t tmpfs colab-drive /content
"$@"
echo "Files on the stand-in Drive:"
find /content/drive -type f | sort
find /content/drive/MyDrive -name best.pt | grep -q . || { echo "no best.pt on the Drive: notebook 5 did not save there" >&2; exit 1; }
