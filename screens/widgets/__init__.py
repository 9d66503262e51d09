"""Widgets of our own, where none of Textual's fits as it is."""
