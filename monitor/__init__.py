"""monitor: watch trade-policy documents, keep every version, extract facts, report what changed."""

__version__ = "0.1.0"
