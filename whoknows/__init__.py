"""WhoKnows: a knowledge graph and expertise finder for learning organisations."""

__version__ = "0.1.0"
