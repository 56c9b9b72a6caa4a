"""Checks for chapter 07's exercises."""
__all__: list[str] = []
