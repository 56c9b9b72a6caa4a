"""Checks for chapter 03's exercises."""
__all__: list[str] = []
