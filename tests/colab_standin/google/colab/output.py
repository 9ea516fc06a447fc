"""Stand-in for ``google.colab.output``."""


def enable_custom_widget_manager(version=None):
    """Colab's loads third-party widget code from a CDN; the course uses standard widgets only."""


def disable_custom_widget_manager():
    """See enable_custom_widget_manager."""
