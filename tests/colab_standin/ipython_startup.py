# IPython startup file for .ci/run's Colab-like run: Colab's kernel has google.colab and ipywidgets
# imported before the first cell runs, so "google.colab" is in sys.modules and upgrading ipywidgets
# would leave the old one loaded (Colab would ask to restart the runtime).
import google.colab
import ipywidgets

del google, ipywidgets  # imported, not names in the learner's namespace
