"""govcat: a static-site governance catalog for machine-learning models."""

__version__ = "0.1.0"
