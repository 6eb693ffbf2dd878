"""CLI commands that live beside the library code they drive; registered by whoknows.cli."""
