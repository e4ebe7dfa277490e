"""Shared types and ports of Meslek Asistanı: the leaf every other layer depends on.

This package imports nothing of `bot`, `handlers`, `nlu` or `storage`.
"""
