"""A stand-in for Colab's ``google.colab`` package, used by .ci/run's Colab-like run of the notebooks.

Only what the course touches: ``drive.mount`` and ``output.enable_custom_widget_manager``.
"""

from . import drive, output

__all__ = ["drive", "output"]
